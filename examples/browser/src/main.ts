// The page: backend choice, model, image (drop, pick or generate), class name -> overlay,
// score, time and backend; the training-free heads (few good images first, MuSc batch). Also
// installs the programmatic hook `window.__aaclip`.
import { drawOverlay, formatWebBackendReport, heatmapGradientCss, type WebBackendReport } from '@aaclip/backend-web';
import { toRgb } from '@aaclip/core';
import { DEFECT_KINDS, TEXTURE_FAMILIES } from '@aaclip/synthetic';
import type { AAClipHook, BackendChoice, DetectRequest, DetectResponse, ModelRequest, MuscResponse, ReferenceDetectResponse, ReferencesResponse } from './hook-types';
import { blobImage, generatedImage, requestedImage, type LoadedImage } from './images';
import { muscBatch, MUSC_MIN_IMAGES, muscTooFewMessage, ReferenceBanks } from './heads';
import { colourLegend, COLOUR_SCALES, formatValue, type ColourLegend, type ColourScale } from './legend';
import { detectBatch, detectImage, type RunResult } from './run';
import { DEMO_MODEL_URL, DetectorSession } from './session';

declare global {
  interface Window {
    __aaclip?: AAClipHook;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el as T;
}

const ui = {
  form: byId<HTMLFormElement>('controls'),
  backend: byId<HTMLSelectElement>('backend'),
  className: byId<HTMLInputElement>('class-name'),
  knownClasses: byId<HTMLDataListElement>('known-classes'),
  run: byId<HTMLButtonElement>('run'),
  modelUrl: byId<HTMLInputElement>('model-url'),
  adapterUrl: byId<HTMLInputElement>('adapter-url'),
  tokenizerUrl: byId<HTMLInputElement>('tokenizer-url'),
  imageSize: byId<HTMLInputElement>('image-size'),
  drop: byId<HTMLDivElement>('drop'),
  file: byId<HTMLInputElement>('file'),
  family: byId<HTMLSelectElement>('family'),
  defect: byId<HTMLSelectElement>('defect'),
  generate: byId<HTMLButtonElement>('generate'),
  canvas: byId<HTMLCanvasElement>('overlay'),
  score: byId<HTMLElement>('score'),
  imageScore: byId<HTMLElement>('image-score'),
  mapMax: byId<HTMLElement>('map-max'),
  head: byId<HTMLElement>('head'),
  refsDrop: byId<HTMLDivElement>('refs-drop'),
  refsFile: byId<HTMLInputElement>('refs-file'),
  refsGenerate: byId<HTMLButtonElement>('refs-generate'),
  refsClear: byId<HTMLButtonElement>('refs-clear'),
  detectRefs: byId<HTMLButtonElement>('detect-refs'),
  bankSize: byId<HTMLElement>('bank-size'),
  batchDrop: byId<HTMLDivElement>('batch-drop'),
  batchFile: byId<HTMLInputElement>('batch-file'),
  batchGenerate: byId<HTMLButtonElement>('batch-generate'),
  musc: byId<HTMLButtonElement>('musc'),
  batchSize: byId<HTMLElement>('batch-size'),
  muscScores: byId<HTMLOListElement>('musc-scores'),
  colourScale: byId<HTMLSelectElement>('colour-scale'),
  colourBar: byId<HTMLElement>('colour-bar'),
  colourRange: byId<HTMLElement>('colour-range'),
  detectTime: byId<HTMLElement>('detect-time'),
  loadTime: byId<HTMLElement>('load-time'),
  activeBackend: byId<HTMLElement>('active-backend'),
  backendWhy: byId<HTMLElement>('backend-why'),
  imageLabel: byId<HTMLElement>('image-label'),
  status: byId<HTMLElement>('status'),
};

const session = new DetectorSession();
const banks = new ReferenceBanks(session);
let image: LoadedImage | null = null;
/** The MuSc batch (dropped, picked or generated). */
let batch: LoadedImage[] = [];

function status(msg: string, error = false): void {
  ui.status.textContent = msg;
  ui.status.classList.toggle('error', error);
}

function fillSelect(select: HTMLSelectElement, values: readonly string[], selected: string): void {
  select.replaceChildren(...values.map((v) => new Option(v, v, v === selected, v === selected)));
}

/** Canvas size for an image: small images are enlarged to 384 px, large ones reduced to 768 px. */
function displaySize(w: number, h: number): { width: number; height: number } {
  const side = Math.max(w, h);
  const k = side < 384 ? 384 / side : side > 768 ? 768 / side : 1;
  return { width: Math.round(w * k), height: Math.round(h * k) };
}

/** Shows an image without a map (before detection). */
function showImage(img: LoadedImage): void {
  image = img;
  const rgb = toRgb(img.raw);
  const rgba = new Uint8ClampedArray(rgb.width * rgb.height * 4);
  for (let p = 0; p < rgb.width * rgb.height; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  const { width, height } = displaySize(rgb.width, rgb.height);
  const tmp = new OffscreenCanvas(rgb.width, rgb.height);
  tmp.getContext('2d')!.putImageData(new ImageData(rgba, rgb.width, rgb.height), 0, 0);
  ui.canvas.width = width;
  ui.canvas.height = height;
  const ctx = ui.canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(tmp, 0, 0, width, height);
  ui.imageLabel.textContent = `${img.label} (${rgb.width}×${rgb.height})`;
  for (const el of [ui.score, ui.imageScore, ui.mapMax, ui.colourRange, ui.detectTime, ui.head]) el.textContent = '–';
  ui.colourBar.hidden = true;
}

function modelFromForm(): ModelRequest & { backend: BackendChoice } {
  const size = ui.imageSize.value.trim();
  return {
    backend: ui.backend.value as BackendChoice,
    modelUrl: ui.modelUrl.value.trim() || undefined,
    adapterUrl: ui.adapterUrl.value.trim() || undefined,
    tokenizerUrl: ui.tokenizerUrl.value.trim() || undefined,
    imageSize: size ? Number(size) : undefined,
  };
}

const ms = (t: number): string => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`);

/** Why this backend: the choice and each backend auto skipped, with its reason. */
function backendWhy(report: WebBackendReport): string {
  if (report.how === 'requested') return 'chosen in the Backend list';
  const skipped = report.skipped.map((s) => `${s.name} skipped: ${s.reason}`);
  return [...skipped, `${report.active}: the first of WebGPU, WebGL (hardware only), wasm that works here`].join('\n');
}

/**
 * Shows a detection. The overlay is drawn over the probability map, so its colours are in the
 * units of the numbers beside it (map maximum, score); by default blue to red spans this
 * image's range (as AA-CLIP's own visualisation normalises each map): a zero-shot model's
 * absolute level moves with the class name, its ranking does not.
 */
async function showResult(img: LoadedImage, r: RunResult, scale: ColourScale): Promise<ColourLegend> {
  const d = r.detection;
  const legend = colourLegend(d.probabilityMap, scale);
  await drawOverlay(ui.canvas, img.raw, d.probabilityMap, d.size, { min: legend.min, max: legend.max, opacity: 0.5, ...displaySize(img.raw.width, img.raw.height) });
  ui.colourBar.hidden = false;
  ui.colourRange.textContent = legend.text;
  ui.score.textContent = formatValue(d.score);
  ui.imageScore.textContent = formatValue(d.imageScore);
  ui.mapMax.textContent = formatValue(d.mapMax);
  ui.head.textContent = 'AA-CLIP (zero-shot)';
  ui.detectTime.textContent = ms(r.detectMs);
  if (r.active.loadMs > 0) ui.loadTime.textContent = ms(r.active.loadMs);
  const b = r.active.report;
  ui.activeBackend.textContent = `${b.active}${b.adapter ? ` on ${b.adapter}` : ''} (${b.how})`;
  ui.backendWhy.textContent = backendWhy(b);
  ui.knownClasses.replaceChildren(...r.active.detector.classes.map((c) => new Option(c)));
  return legend;
}

/** One detection through the page: loads what is needed, shows the overlay and the numbers. */
async function run(
  model: ModelRequest & { backend: BackendChoice },
  img: LoadedImage,
  className: string,
  domain?: 'industrial' | 'medical',
): Promise<RunResult & { legend: ColourLegend }> {
  ui.run.disabled = true;
  status(`Detecting "${className}" on ${model.backend}...`);
  try {
    const r = await detectImage(session, model, img, className, domain, (loaded, total, url) => {
      const name = url.split('/').pop();
      status(total ? `Loading ${name}: ${Math.round((100 * loaded) / total)} % of ${(total / 2 ** 20).toFixed(1)} MiB` : `Loading ${name}: ${(loaded / 2 ** 20).toFixed(1)} MiB`);
    });
    const legend = await showResult(img, r, ui.colourScale.value as ColourScale);
    status(`Done: ${formatWebBackendReport(r.active.report)}.`);
    return { ...r, legend };
  } catch (e) {
    status(`Error: ${(e as Error).message}`, true);
    throw e;
  } finally {
    ui.run.disabled = false;
  }
}

/** The backend line of the result panel. */
function showBackend(r: { active: RunResult['active'] }): void {
  const b = r.active.report;
  ui.activeBackend.textContent = `${b.active}${b.adapter ? ` on ${b.adapter}` : ''} (${b.how})`;
  ui.backendWhy.textContent = backendWhy(b);
  if (r.active.loadMs > 0) ui.loadTime.textContent = ms(r.active.loadMs);
}

/**
 * Draws a map that is not a probability (the combined few-shot map, MuSc's map) over this
 * image's range, with its unit in the legend. Returns the legend's text.
 */
async function showMap(img: LoadedImage, map: Float32Array, size: number, unit: string): Promise<{ min: number; max: number; text: string }> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi >= lo)) throw new Error('the map is empty or not finite');
  await drawOverlay(ui.canvas, img.raw, map, size, { min: lo, max: hi > lo ? hi : lo + 1, opacity: 0.5, ...displaySize(img.raw.width, img.raw.height) });
  ui.colourBar.hidden = false;
  ui.colourRange.textContent = `blue ${formatValue(lo)} to red ${formatValue(hi)} ${unit} (this image's range)`;
  return { min: lo, max: hi, text: ui.colourRange.textContent };
}

function bankText(className: string): string {
  const info = banks.info(className);
  return info ? `${info.images} good image${info.images === 1 ? '' : 's'} of "${info.className}", ${info.bankSize} patches per level` : 'empty';
}

function showBank(): void {
  ui.bankSize.textContent = bankText(ui.className.value);
}

function showBatch(): void {
  ui.batchSize.textContent = `${batch.length} image${batch.length === 1 ? '' : 's'}${batch.length < MUSC_MIN_IMAGES ? ` (MuSc needs ${MUSC_MIN_IMAGES})` : ''}`;
  ui.muscScores.replaceChildren();
}

/** Runs one of the heads' actions with the buttons disabled; errors go to the status line. */
async function busy<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const buttons = [ui.run, ui.refsGenerate, ui.refsClear, ui.detectRefs, ui.batchGenerate, ui.musc];
  buttons.forEach((b) => (b.disabled = true));
  status(what);
  try {
    return await fn();
  } catch (e) {
    status((e as Error).message, true);
    throw e;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

/** Adds known-good images to the bank of the class named in the form. */
async function addReferences(model: ModelRequest & { backend: BackendChoice }, imgs: LoadedImage[], className: string, replace = false): Promise<ReferencesResponse> {
  return busy(`Adding ${imgs.length} good image(s) of "${className}" to its references on ${model.backend}...`, async () => {
    const r = await banks.add(model, imgs, className, replace);
    showBackend(r);
    showBank();
    status(`References of "${r.info.className}": ${bankText(r.info.className)} (${ms(r.addMs)}). Now detect with references.`);
    return { backend: r.active.backend, className: r.info.className, images: r.info.images, bankSize: r.info.bankSize, addMs: r.addMs };
  });
}

/** Detection with the class's references added: overlay of the combined map, score, bank size. */
async function detectWithReferences(model: ModelRequest & { backend: BackendChoice }, img: LoadedImage, className: string, domain?: 'industrial' | 'medical'): Promise<ReferenceDetectResponse> {
  return busy(`Detecting "${className}" with its references on ${model.backend}...`, async () => {
    const r = await banks.detect(model, img, className, domain);
    const zeroShot = r.zeroShot;
    const d = r.detection;
    const colours = await showMap(img, d.anomalyMap, d.size, 'AA-CLIP test map + few-shot map');
    ui.score.textContent = formatValue(d.score);
    ui.imageScore.textContent = formatValue(d.imageScore);
    ui.mapMax.textContent = formatValue(d.combinedMax);
    ui.head.textContent = `AA-CLIP + ${r.info.images} normal references (bank ${r.info.bankSize} patches per level); AA-CLIP alone ${formatValue(zeroShot.score)}`;
    ui.detectTime.textContent = ms(r.detectMs);
    showBackend(r);
    showBank();
    status(`Done with references: score ${formatValue(d.score)} (AA-CLIP alone ${formatValue(zeroShot.score)}), few-shot map maximum ${formatValue(d.fewShotMax)}.`);
    return {
      backend: r.active.backend,
      className,
      size: d.size,
      score: d.score,
      imageScore: d.imageScore,
      mapMax: d.combinedMax,
      anomalyMap: Array.from(d.anomalyMap),
      colours: { scale: 'image', ...colours },
      imageWidth: img.raw.width,
      imageHeight: img.raw.height,
      loadMs: r.active.loadMs,
      detectMs: r.detectMs,
      references: r.info.images,
      bankSize: r.info.bankSize,
      fewShotMax: d.fewShotMax,
      combinedMax: d.combinedMax,
      zeroShotScore: zeroShot.score,
    };
  });
}

/** MuSc over the batch: the scores in a list, the highest-scoring image on the overlay. */
async function runMusc(model: ModelRequest & { backend: BackendChoice }, imgs: LoadedImage[]): Promise<MuscResponse> {
  if (imgs.length < MUSC_MIN_IMAGES) {
    const msg = muscTooFewMessage(imgs.length);
    status(msg, true);
    throw new Error(msg);
  }
  return busy(`MuSc on ${imgs.length} images on ${model.backend}...`, async () => {
    const r = await muscBatch(session, model, imgs, (done, total) => status(`MuSc on ${imgs.length} images: ${done} / ${total} steps`));
    const scores = r.results.map((d) => d.score);
    const top = scores.indexOf(Math.max(...scores));
    const best = r.results[top]!;
    showImage(imgs[top]!);
    await showMap(imgs[top]!, best.anomalyMap, best.size, 'MuSc map');
    ui.score.textContent = formatValue(best.score);
    ui.imageScore.textContent = formatValue(best.imageScore);
    ui.mapMax.textContent = formatValue(best.mapMax);
    ui.head.textContent = `MuSc, image ${top + 1} of ${imgs.length} (the highest score)`;
    ui.detectTime.textContent = ms(r.detectMs);
    showBackend(r);
    ui.muscScores.replaceChildren(
      ...r.results.map((d, i) => {
        const li = document.createElement('li');
        li.textContent = `${formatValue(d.score)}: ${imgs[i]!.label}`;
        li.classList.toggle('top', i === top);
        return li;
      }),
    );
    status(`MuSc done: image ${top + 1} scores highest (${formatValue(best.score)}).`);
    return { backend: r.active.backend, size: best.size, scores, mapMaxes: r.results.map((d) => d.mapMax), top, detectMs: r.detectMs };
  });
}

async function filesImages(files: FileList | null | undefined): Promise<LoadedImage[]> {
  return Promise.all([...(files ?? [])].map((f) => blobImage(f, f.name)));
}

/** Known-good textures of the form's family (for the demo). */
function generatedGood(n: number): LoadedImage[] {
  const seed = Math.floor(Math.random() * 1e6);
  return Array.from({ length: n }, (_, i) => generatedImage({ family: ui.family.value, defect: 'none', seed: seed + i, size: 256 }));
}

function dropZone(el: HTMLElement, take: (files: FileList | undefined) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    e.stopPropagation();
    el.classList.remove('over');
    take(e.dataTransfer?.files);
  });
}

const quiet = (p: Promise<unknown>): void => void p.catch((err: unknown) => console.error(err));

function takeReferences(files: FileList | null | undefined): void {
  if (!ui.className.value.trim()) ui.className.value = ui.family.value;
  quiet(filesImages(files).then((imgs) => addReferences(modelFromForm(), imgs, ui.className.value)));
}

function takeBatch(files: FileList | null | undefined): void {
  quiet(
    filesImages(files).then((imgs) => {
      batch = [...batch, ...imgs];
      showBatch();
      status(batch.length >= MUSC_MIN_IMAGES ? 'Press MuSc batch.' : muscTooFewMessage(batch.length));
    }),
  );
}

function generateFromForm(): void {
  const family = ui.family.value;
  const img = generatedImage({ family, defect: ui.defect.value, seed: Math.floor(Math.random() * 1e6), size: 256 });
  showImage(img);
  if (!ui.className.value.trim()) ui.className.value = family;
  status(`Generated. Press Detect (class "${ui.className.value}").`);
}

async function takeFile(file: File | undefined): Promise<void> {
  if (!file) return;
  try {
    showImage(await blobImage(file, file.name));
    status(ui.className.value.trim() ? 'Press Detect.' : 'Type the class name, then press Detect.');
  } catch (e) {
    status(`Could not read ${file.name}: ${(e as Error).message}`, true);
  }
}

ui.colourBar.style.background = heatmapGradientCss();
fillSelect(ui.family, TEXTURE_FAMILIES, 'carpet');
fillSelect(ui.defect, DEFECT_KINDS, 'missing');
ui.generate.addEventListener('click', generateFromForm);
ui.file.addEventListener('change', () => void takeFile(ui.file.files?.[0]));
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  void takeFile(e.dataTransfer?.files[0]);
});
ui.refsFile.addEventListener('change', () => takeReferences(ui.refsFile.files));
dropZone(ui.refsDrop, takeReferences);
ui.refsGenerate.addEventListener('click', () => {
  ui.className.value = ui.family.value;
  quiet(addReferences(modelFromForm(), generatedGood(4), ui.className.value));
});
ui.refsClear.addEventListener('click', () => {
  banks.dispose();
  showBank();
  status('References cleared.');
});
ui.className.addEventListener('input', showBank);
ui.detectRefs.addEventListener('click', () => {
  if (!image) {
    status('Pick, drop or generate an image to test first.', true);
    return;
  }
  quiet(detectWithReferences(modelFromForm(), image, ui.className.value));
});
ui.batchFile.addEventListener('change', () => takeBatch(ui.batchFile.files));
dropZone(ui.batchDrop, takeBatch);
ui.batchGenerate.addEventListener('click', () => {
  const good = generatedGood(5);
  const bad = generatedImage({ family: ui.family.value, defect: ui.defect.value, seed: Math.floor(Math.random() * 1e6), size: 256 });
  batch = [...good.slice(0, 3), bad, ...good.slice(3)];
  showBatch();
  status(`Generated 6 ${ui.family.value} textures, image 4 with a ${ui.defect.value} defect. Press MuSc batch.`);
});
ui.musc.addEventListener('click', () => quiet(runMusc(modelFromForm(), batch)));
ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!image) {
    status('Pick, drop or generate an image first.', true);
    return;
  }
  run(modelFromForm(), image, ui.className.value).catch((err: unknown) => console.error(err));
});
// the backend can be preset with ?backend=webgl
const preset = new URLSearchParams(location.search).get('backend');
if (preset && [...ui.backend.options].some((o) => o.value === preset)) ui.backend.value = preset;

const hook: AAClipHook = {
  demoModelUrl: DEMO_MODEL_URL,
  async detect(req: DetectRequest): Promise<DetectResponse> {
    const model = { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) };
    ui.backend.value = model.backend;
    ui.className.value = req.className;
    if (req.colourScale !== undefined) {
      if (!COLOUR_SCALES.includes(req.colourScale)) throw new Error(`colourScale must be one of ${COLOUR_SCALES.join(', ')}, got ${JSON.stringify(req.colourScale)}`);
      ui.colourScale.value = req.colourScale;
    }
    const img = await requestedImage(req.image);
    showImage(img);
    const r = await run(model, img, req.className, req.domain);
    const d = r.detection;
    return {
      backend: r.active.backend,
      className: req.className,
      size: d.size,
      score: d.score,
      imageScore: d.imageScore,
      mapMax: d.mapMax,
      anomalyMap: Array.from(d.anomalyMap),
      colours: { scale: r.legend.scale, min: r.legend.min, max: r.legend.max, text: ui.colourRange.textContent ?? '' },
      imageWidth: img.raw.width,
      imageHeight: img.raw.height,
      loadMs: r.active.loadMs,
      detectMs: r.detectMs,
    };
  },
  detectBatch: (req) => detectBatch(session, { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) }),
  async addReferences(req) {
    const model = { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) };
    ui.backend.value = model.backend;
    ui.className.value = req.className;
    const imgs = await Promise.all(req.images.map(requestedImage));
    return addReferences(model, imgs, req.className, req.replace ?? false);
  },
  async detectWithReferences(req) {
    const model = { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) };
    ui.backend.value = model.backend;
    ui.className.value = req.className;
    const img = await requestedImage(req.image);
    showImage(img);
    return detectWithReferences(model, img, req.className, req.domain);
  },
  async muscBatch(req) {
    const model = { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) };
    ui.backend.value = model.backend;
    batch = await Promise.all(req.images.map(requestedImage));
    showBatch();
    return runMusc(model, batch);
  },
};
window.__aaclip = hook;

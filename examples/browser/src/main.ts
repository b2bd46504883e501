// The page: backend choice, model, image (drop, pick or generate), class name -> overlay,
// score, time and backend. Also installs the programmatic hook `window.__aaclip`.
import { drawOverlay, formatWebBackendReport, heatmapGradientCss, type WebBackendReport } from '@aaclip/backend-web';
import { DEFECT_KINDS, TEXTURE_FAMILIES, toRgb } from '@aaclip/core';
import type { AAClipHook, BackendChoice, DetectRequest, DetectResponse, ModelRequest } from './hook-types';
import { blobImage, generatedImage, requestedImage, type LoadedImage } from './images';
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
let image: LoadedImage | null = null;

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
  for (const el of [ui.score, ui.imageScore, ui.mapMax, ui.colourRange, ui.detectTime]) el.textContent = '–';
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
};
window.__aaclip = hook;

// The page: backend choice, model, image (drop, pick or generate), class name -> overlay,
// score, time and backend. Also installs the programmatic hook `window.__aaclip`.
import { drawOverlay, formatWebBackendReport } from '@aaclip/backend-web';
import { DEFECT_KINDS, TEXTURE_FAMILIES, toRgb } from '@aaclip/core';
import type { AAClipHook, BackendChoice, DetectRequest, DetectResponse, ModelRequest } from './hook-types';
import { blobImage, generatedImage, requestedImage, type LoadedImage } from './images';
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
  colourRange: byId<HTMLElement>('colour-range'),
  detectTime: byId<HTMLElement>('detect-time'),
  loadTime: byId<HTMLElement>('load-time'),
  activeBackend: byId<HTMLElement>('active-backend'),
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

async function showResult(img: LoadedImage, r: RunResult): Promise<void> {
  const d = r.detection;
  // colours span this image's anomaly-map range (as AA-CLIP's own visualisation normalises each
  // map): a zero-shot model's absolute level moves with the class name, its ranking does not
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d.anomalyMap) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  await drawOverlay(ui.canvas, img.raw, d.anomalyMap, d.size, { min: lo, max: hi, opacity: 0.5, ...displaySize(img.raw.width, img.raw.height) });
  ui.colourRange.textContent = `blue ${lo.toFixed(2)} to red ${hi.toFixed(2)} (this image's anomaly map)`;
  ui.score.textContent = d.score.toFixed(4);
  ui.imageScore.textContent = d.imageScore.toFixed(4);
  ui.mapMax.textContent = d.mapMax.toFixed(4);
  ui.detectTime.textContent = ms(r.detectMs);
  if (r.active.loadMs > 0) ui.loadTime.textContent = ms(r.active.loadMs);
  ui.activeBackend.textContent = `${r.active.backend.active} (${r.active.backend.how})`;
  ui.knownClasses.replaceChildren(...r.active.detector.classes.map((c) => new Option(c)));
}

/** One detection through the page: loads what is needed, shows the overlay and the numbers. */
async function run(model: ModelRequest & { backend: BackendChoice }, img: LoadedImage, className: string, domain?: 'industrial' | 'medical'): Promise<RunResult> {
  ui.run.disabled = true;
  status(`Detecting "${className}" on ${model.backend}...`);
  try {
    const r = await detectImage(session, model, img, className, domain, (loaded, total, url) => {
      const name = url.split('/').pop();
      status(total ? `Loading ${name}: ${Math.round((100 * loaded) / total)} % of ${(total / 2 ** 20).toFixed(1)} MiB` : `Loading ${name}: ${(loaded / 2 ** 20).toFixed(1)} MiB`);
    });
    await showResult(img, r);
    status(`Done: ${formatWebBackendReport(r.active.report)}.`);
    return r;
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
      imageWidth: img.raw.width,
      imageHeight: img.raw.height,
      loadMs: r.active.loadMs,
      detectMs: r.detectMs,
    };
  },
  detectBatch: (req) => detectBatch(session, { ...req, backend: req.backend ?? (ui.backend.value as BackendChoice) }),
};
window.__aaclip = hook;

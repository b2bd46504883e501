// Keeps one detector alive (per backend and model) and rebuilds it when either changes.
import { createDetector, loadWeights, useWebBackend, type BrowserDetector, type UrlProgressCallback, type WebBackendReport } from '@aaclip/backend-web';
import { createTokenizerFromConfig, parseTokenizerConfig, type Tokenizer } from '@aaclip/core';
import { parseSafetensorsHeader, safetensorsHeaderSize } from '@aaclip/core/weights';
import type { BackendChoice, BackendInfo, ModelRequest } from './hook-types';

/** Asset paths the Vite config puts into the app (see vite.config.ts). */
declare const __AACLIP_DEMO_MODEL__: string;
declare const __AACLIP_WASM_DIR__: string;

/** Absolute URL of the demo model served with the app. */
export const DEMO_MODEL_URL = new URL(__AACLIP_DEMO_MODEL__, document.baseURI).href;
/** Absolute URL of the folder with the tfjs wasm binaries (served with the app, never a CDN). */
export const WASM_PATHS = new URL(__AACLIP_WASM_DIR__, document.baseURI).href;

const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm'];

/** A ready detector and how it was made. */
export interface ActiveDetector {
  detector: BrowserDetector;
  /** The backend selection, as useWebBackend reported it. */
  report: WebBackendReport;
  /** The same, as plain data for the hook. */
  backend: BackendInfo;
  /** Milliseconds spent on the backend and the model; 0 when the detector was reused. */
  loadMs: number;
}

function absolute(url: string | undefined): string | undefined {
  return url === undefined || url.trim() === '' ? undefined : new URL(url.trim(), document.baseURI).href;
}

/**
 * The tokenizer described in a safetensors file's `tokenizer` metadata (the demo model stores
 * its byte tokenizer there), or null. CLIP BPE tokenizers need their vocabulary: give
 * `tokenizerUrl` for those.
 */
export function tokenizerFromMetadata(bytes: Uint8Array): Tokenizer | null {
  let metadata: Record<string, string>;
  try {
    const end = safetensorsHeaderSize(bytes.subarray(0, 8));
    metadata = parseSafetensorsHeader(bytes.subarray(0, end), { fileSize: bytes.length }).metadata;
  } catch {
    return null; // not a safetensors file (e.g. an OpenAI .pt): no metadata to read
  }
  const text = metadata.tokenizer;
  if (text === undefined) return null;
  const config = parseTokenizerConfig(JSON.parse(text));
  return config.type === 'byte' ? createTokenizerFromConfig(config) : null;
}

function backendInfo(r: WebBackendReport): BackendInfo {
  return { active: r.active, tfjsName: r.tfjsName, ...(r.adapter ? { adapter: r.adapter } : {}), how: r.how, skipped: r.skipped.map((s) => ({ ...s })) };
}

/**
 * One detector at a time: `get` returns the current one when the backend and the model are
 * the same as last time, else frees it, selects the backend and loads the model (the weights
 * go through the Cache Storage API, so a reload downloads nothing).
 */
export class DetectorSession {
  private current: { key: string; active: ActiveDetector } | null = null;
  private pending: Promise<unknown> = Promise.resolve();

  /**
   * The detector for `req` on `backend`, loading it if needed. Calls run one after another.
   *
   * @example const { detector, backend } = await session.get({ backend: 'webgl' }, onProgress);
   */
  get(req: ModelRequest & { backend: BackendChoice; classNames?: readonly string[] }, onProgress?: UrlProgressCallback): Promise<ActiveDetector> {
    const run = (): Promise<ActiveDetector> => this.load(req, onProgress);
    const result = this.pending.then(run, run);
    this.pending = result.catch(() => undefined);
    return result;
  }

  private async load(req: ModelRequest & { backend: BackendChoice; classNames?: readonly string[] }, onProgress?: UrlProgressCallback): Promise<ActiveDetector> {
    if (!BACKENDS.includes(req.backend)) throw new Error(`unknown backend ${JSON.stringify(req.backend)} (expected ${BACKENDS.join(', ')})`);
    const modelUrl = absolute(req.modelUrl) ?? DEMO_MODEL_URL;
    const adapterUrl = absolute(req.adapterUrl);
    const tokenizerUrl = absolute(req.tokenizerUrl);
    const key = JSON.stringify([req.backend, modelUrl, adapterUrl, tokenizerUrl, req.imageSize, req.visionHeads, req.textHeads, req.promptDataset, req.classNames]);
    if (this.current?.key === key) return { ...this.current.active, loadMs: 0 };
    this.dispose();
    const t0 = performance.now();
    const report = await useWebBackend(req.backend, { wasmPaths: WASM_PATHS });
    // The model file is downloaded here (with progress, into Cache Storage) to read its
    // tokenizer metadata; createDetector then reads it from Cache Storage, or from these
    // bytes where the page cannot cache (plain http on another host): never downloaded twice.
    const modelBytes = await loadWeights(modelUrl, { onProgress });
    const tokenizer = tokenizerUrl === undefined ? tokenizerFromMetadata(modelBytes) : null;
    const fetchOnce = (url: string, init?: RequestInit): Promise<Response> =>
      url === modelUrl ? Promise.resolve(new Response(modelBytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Length': String(modelBytes.length) } })) : fetch(url, init);
    const detector = await createDetector({
      model: modelUrl,
      adapters: adapterUrl,
      tokenizer: tokenizer ?? undefined,
      vocab: tokenizerUrl,
      imageSize: req.imageSize,
      visionHeads: req.visionHeads,
      textHeads: req.textHeads,
      classNames: req.classNames,
      prompts: { dataset: req.promptDataset, onWarning: (w) => console.warn(w.message) },
      device: false, // selected above
      fetch: fetchOnce,
      onProgress,
    });
    const active: ActiveDetector = { detector, report, backend: backendInfo(report), loadMs: performance.now() - t0 };
    this.current = { key, active };
    return active;
  }

  /** Frees the current detector's GPU memory. */
  dispose(): void {
    this.current?.active.detector.dispose();
    this.current = null;
  }
}

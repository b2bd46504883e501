// Selects the tfjs backend in the browser: webgpu, then webgl (hardware only in auto mode), then
// wasm, each after a feature check.
import * as tf from '@tensorflow/tfjs-core';
import { setInferenceWeightPacker } from '@aaclip/core';
import { wasmInferenceWeightPacker } from '@aaclip/kernels';
import { createFeatureProbes, WEB_BACKEND_ORDER, type FeatureProbes, type WebBackendName } from './feature-probes';

/** File names of the tfjs wasm binaries (for a per-file {@link WasmPaths} map). */
export type WasmBinaryName = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';
export const WASM_BINARY_NAMES: readonly WasmBinaryName[] = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Where the wasm backend fetches its binaries: a base URL (folder) that serves the three
 * `tfjs-backend-wasm*.wasm` files, or a URL per file.
 */
export type WasmPaths = string | Readonly<Record<WasmBinaryName, string>>;

export interface WebBackendOptions {
  /**
   * Base URL of the `.wasm` binaries, served with your app (copy them from
   * `node_modules/@tensorflow/tfjs-backend-wasm/dist/`). Nothing is ever fetched from a CDN.
   * Without it tfjs looks for them next to the script that loaded it.
   */
  wasmPaths?: WasmPaths;
  /** Feature checks (default: the browser's, see `createFeatureProbes`). */
  probes?: FeatureProbes;
  /** What loads and starts a tfjs backend (default: the real tfjs packages). For tests. */
  activator?: BackendActivator;
  /**
   * Load the fused kernels (LayerNorm, GELU/QuickGELU, attention head slices) of the chosen
   * backend from @aaclip/kernels, which registers them on import: WGSL on webgpu, SIMD on wasm;
   * webgl keeps tfjs' ops. Default true; false leaves the registry as it is (composite ops unless
   * registered elsewhere; `setFusedKernelsEnabled(false)` of @aaclip/core turns registered ones off).
   */
  fusedKernels?: boolean;
  /**
   * Where the one-line choice ("backend wasm (auto; skipped webgpu: only a software adapter was
   * found (...))") goes once a backend is active. Default `console.debug` (shown at the console's
   * verbose level); false for none.
   */
  log?: ((line: string) => void) | false;
}

export interface WebBackendReport {
  /** The backend now active. */
  active: WebBackendName;
  /** tfjs' name for it (`tf.getBackend()`). */
  tfjsName: string;
  /** webgpu: the adapter the browser gave ("google swiftshader", "nvidia ampere"); webgl: the renderer string, where readable. */
  adapter?: string;
  /** 'requested' when a backend was named, 'auto' when resolved in order. */
  how: 'requested' | 'auto';
  /** Each backend tried before the active one, and why it was skipped. */
  skipped: { name: WebBackendName; reason: string }[];
}

/** Loads and starts tfjs backends. Every method resolves to null on success, else to the reason. */
export interface BackendActivator {
  /** Imports the backend package and makes it tfjs' active backend. */
  activate(name: WebBackendName, opts: { wasmPaths?: WasmPaths }): Promise<string | null>;
  /** Extra check in auto mode, after activation (e.g. WebGL without float32 render targets). */
  suitable(name: WebBackendName): Promise<string | null>;
  /** tfjs' name of the active backend. */
  current(): string;
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : String(err);
  return msg.split('\n')[0]!.slice(0, 300);
}

/** Checks a {@link WasmPaths} value and returns it as tfjs wants it (a folder URL ends in '/'). */
export function normalizeWasmPaths(paths: WasmPaths): WasmPaths {
  if (typeof paths === 'string') {
    if (paths.trim() === '') throw new Error('useWebBackend: wasmPaths must be a non-empty base URL, got ""');
    return paths.endsWith('/') ? paths : `${paths}/`;
  }
  if (paths === null || typeof paths !== 'object') throw new Error(`useWebBackend: wasmPaths must be a base URL string or a map of file URLs, got ${String(paths)}`);
  const missing = WASM_BINARY_NAMES.filter((n) => typeof paths[n] !== 'string' || paths[n] === '');
  if (missing.length) throw new Error(`useWebBackend: wasmPaths map lacks a URL for ${missing.join(', ')}`);
  return paths;
}

async function start(name: string): Promise<string | null> {
  try {
    return (await tf.setBackend(name)) ? null : `the ${name} backend failed to initialise (see the tfjs warning in the console)`;
  } catch (err) {
    return `the ${name} backend failed to initialise: ${describe(err)}`;
  }
}

/** The activator of the real tfjs backend packages (loaded on demand, so unused ones cost nothing). */
export const tfjsActivator: BackendActivator = {
  async activate(name, opts) {
    try {
      if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
      else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
      else {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (opts.wasmPaths !== undefined) {
          const p = opts.wasmPaths;
          if (typeof p === 'string') wasm.setWasmPaths(p);
          else wasm.setWasmPaths({ ...p });
        }
      }
    } catch (err) {
      return `@tensorflow/tfjs-backend-${name} failed to load: ${describe(err)}`;
    }
    return start(name);
  },
  async suitable(name) {
    if (name !== 'webgl') return null;
    if (tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) return null;
    return 'WebGL here renders only to 16-bit float textures (WEBGL_RENDER_FLOAT32_CAPABLE is false): too inexact for CLIP';
  },
  current: () => tf.getBackend(),
};

function parseName(v: unknown): WebBackendName | 'auto' {
  const alias: Record<string, WebBackendName | 'auto'> = { gpu: 'webgpu', webgl2: 'webgl', 'tfjs-backend-wasm': 'wasm' };
  const n = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const r = alias[n] ?? n;
  if (r !== 'auto' && !WEB_BACKEND_ORDER.includes(r as WebBackendName)) {
    throw new Error(`useWebBackend: unknown backend ${JSON.stringify(v)} (expected one of ${WEB_BACKEND_ORDER.join(', ')}, or auto)`);
  }
  return r as WebBackendName | 'auto';
}

/** Why `auto` skips a software WebGPU adapter (in the words of @aaclip/backend-node) or WebGL renderer. */
function softwareSkip(n: WebBackendName, adapter: string, software: string): string {
  const what = n === 'webgpu' ? 'adapter' : 'renderer';
  return `only a software ${what} was found (${adapter}: ${software}); request '${n}' by name to use it anyway`;
}

/** The report's `adapter` field: set for webgpu and webgl when the check named one. */
function adapterField(n: WebBackendName, adapter: string | undefined): Pick<WebBackendReport, 'adapter'> {
  return n !== 'wasm' && adapter !== undefined ? { adapter } : {};
}

/**
 * The resolution logic of {@link useWebBackend} with its feature checks and activator given:
 * a named backend must pass its check and start (else an error naming the reason); 'auto'
 * takes the first of webgpu, webgl, wasm that passes its check, starts and is suitable, and
 * skips a software WebGPU adapter or WebGL renderer (SwiftShader, llvmpipe, an adapter reported
 * as a fallback one; core's `softwareAdapterReason`): on a CPU, wasm is faster. A named
 * 'webgpu' or 'webgl' accepts a software one.
 *
 * @example
 * const report = await resolveWebBackend('auto', createFeatureProbes(), tfjsActivator);
 */
export async function resolveWebBackend(
  requested: WebBackendName | 'auto',
  probes: FeatureProbes,
  activator: BackendActivator,
  opts: { wasmPaths?: WasmPaths } = {},
): Promise<WebBackendReport> {
  const name = parseName(requested);
  const wasmPaths = opts.wasmPaths === undefined ? undefined : normalizeWasmPaths(opts.wasmPaths);
  let adapter: string | undefined;
  const tryOne = async (n: WebBackendName, auto: boolean): Promise<string | null> => {
    const found = await probes[n]();
    if (typeof found === 'string') return found;
    if (found && auto && found.software) return softwareSkip(n, found.adapter, found.software);
    adapter = found?.adapter;
    const failed = await activator.activate(n, { wasmPaths });
    if (failed) return failed;
    return auto ? activator.suitable(n) : null;
  };
  if (name !== 'auto') {
    const why = await tryOne(name, false);
    if (why) throw new Error(`useWebBackend: backend "${name}" is not available: ${why}`);
    return { active: name, tfjsName: activator.current(), ...adapterField(name, adapter), how: 'requested', skipped: [] };
  }
  const skipped: WebBackendReport['skipped'] = [];
  for (const n of WEB_BACKEND_ORDER) {
    const why = await tryOne(n, true);
    if (!why) return { active: n, tfjsName: activator.current(), ...adapterField(n, adapter), how: 'auto', skipped };
    skipped.push({ name: n, reason: why });
  }
  throw new Error(`useWebBackend: no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * The fused kernels of each backend, loaded once that backend is chosen (so that a page pays only
 * for its own) and registered by the import; webgl has none.
 */
const FUSED_KERNELS: Readonly<Record<string, () => Promise<unknown>>> = {
  webgpu: () => import('@aaclip/kernels/tfjs-webgpu'),
  wasm: () => import('@aaclip/kernels/tfjs-wasm'),
  cpu: () => import('@aaclip/kernels/tfjs-cpu'),
};

let lastReport: WebBackendReport | null = null;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Selects the tfjs backend in the browser: the one named, or ('auto', the default) the first
 * that works of webgpu (needs `navigator.gpu` and a hardware adapter), webgl (needs a WebGL2
 * context with float32 render targets on a hardware renderer) and wasm. `auto` skips software
 * adapters and renderers (SwiftShader, llvmpipe, fallback adapters): measured in Chromium on
 * SwiftShader, a demo-model detection took 75 s on WebGPU and 50 s on WebGL against 0.9 s on
 * wasm. Calls run one after another. The report says which backend is active, on which
 * adapter, and why each earlier one was skipped; the same line goes to `console.debug` (see `log`).
 *
 * The wasm binaries are fetched from `wasmPaths`, a base URL you serve with the app; this
 * package never points them at a CDN.
 *
 * @example
 * const report = await useWebBackend('auto', { wasmPaths: '/assets/tfjs-wasm/' });
 * console.log(report.active, report.skipped); // 'webgl', [{ name: 'webgpu', reason: '...' }]
 */
export function useWebBackend(name: WebBackendName | 'auto' = 'auto', opts: WebBackendOptions = {}): Promise<WebBackendReport> {
  const run = async (): Promise<WebBackendReport> => {
    const report = await resolveWebBackend(name, opts.probes ?? createFeatureProbes(), opts.activator ?? tfjsActivator, { wasmPaths: opts.wasmPaths });
    if (opts.fusedKernels !== false) await FUSED_KERNELS[report.tfjsName]?.();
    // inference-only weights: one packed copy on wasm, with or without the fused kernels (the
    // packer declines on other backends)
    setInferenceWeightPacker(wasmInferenceWeightPacker);
    lastReport = report;
    const log = opts.log ?? ((line: string) => console.debug(`@aaclip/backend-web: ${line}`));
    if (log) log(formatWebBackendReport(report));
    return report;
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** The report of the last successful {@link useWebBackend}, or null. */
export function webBackendReport(): WebBackendReport | null {
  return lastReport;
}

/** One line for logs: "backend webgl (auto; skipped webgpu: ...)", "backend webgpu on nvidia ampere (auto)". */
export function formatWebBackendReport(r: WebBackendReport): string {
  const skipped = r.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  return `backend ${r.active}${r.adapter ? ` on ${r.adapter}` : ''} (${r.how}${skipped ? `; skipped ${skipped}` : ''})`;
}

/**
 * Registers tfjs' gradient functions (tfjs-core alone has none), needed only to train in the
 * browser; inference does not need them.
 *
 * @example
 * await ensureGradients();
 * const { value, grads } = tf.variableGrads(() => loss());
 */
export async function ensureGradients(): Promise<void> {
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}

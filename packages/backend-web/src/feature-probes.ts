// Feature checks for the browser backends: each says why a backend cannot run here, or null
// (the WebGPU and WebGL checks also name the adapter / renderer and say whether it is a
// software one, with core's rule).
import { describeGpuAdapter, softwareAdapterReason, type GpuAdapterInfoLike, type GpuAdapterLike } from '@aaclip/core';

/** tfjs backends this package can select, fastest first. */
export type WebBackendName = 'webgpu' | 'webgl' | 'wasm';

/** Resolution order of `useWebBackend('auto')`. */
export const WEB_BACKEND_ORDER: readonly WebBackendName[] = ['webgpu', 'webgl', 'wasm'];

/** The part of `navigator.gpu` (WebGPU) the probe uses. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<object | null>;
}

/** The part of a WebGL2 context the probe uses. */
interface GlLike {
  getExtension(name: string): unknown;
  getParameter?(pname: number): unknown;
}

/** `gl.RENDERER`. */
const GL_RENDERER = 0x1f01;

/** Something with `getContext`, like an `HTMLCanvasElement` or `OffscreenCanvas`. */
export interface ProbeCanvas {
  getContext(kind: 'webgl2'): unknown;
}

/** What the probes look at; every field defaults to the browser's global. */
export interface FeatureEnvironment {
  /** Holds `gpu` (WebGPU); `null` means "no navigator". */
  navigator?: { gpu?: GpuLike } | null;
  /** Makes a throwaway canvas for the WebGL2 check; may return null when there is none. */
  createCanvas?: () => ProbeCanvas | null;
  /** The `WebAssembly` namespace; `null` means "not available". */
  webAssembly?: { instantiate?: unknown } | null;
}

/** What the WebGPU or WebGL check found when the backend can run: the device and whether it is emulated on the CPU. */
export interface AdapterFinding {
  /** WebGPU: the adapter's name from its info fields ("google swiftshader"; 'unnamed adapter' when empty); WebGL: the renderer string. */
  adapter: string;
  /** Why it is a software (CPU-emulated) one, from core's `softwareAdapterReason`; null for a hardware one. */
  software: string | null;
}

/**
 * Feature checks by backend: each resolves to a string saying why the backend cannot run here,
 * else to null (the webgpu and webgl checks may instead describe the adapter or renderer they
 * found, so that `auto` can skip a software one).
 */
export interface FeatureProbes {
  webgpu(): Promise<string | AdapterFinding | null>;
  webgl(): Promise<string | AdapterFinding | null>;
  wasm(): Promise<string | null>;
}

function message(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.slice(0, 300);
}

/** The adapter's info: `adapter.info`, or `requestAdapterInfo()` in browsers before `info` (Chromium 113-126). */
async function adapterInfo(adapter: GpuAdapterLike & { requestAdapterInfo?: () => Promise<GpuAdapterInfoLike> }): Promise<GpuAdapterLike> {
  if (adapter.info || typeof adapter.requestAdapterInfo !== 'function') return adapter;
  try {
    return { info: await adapter.requestAdapterInfo(), isFallbackAdapter: adapter.isFallbackAdapter };
  } catch {
    return adapter; // no info: the adapter is judged by its fallback flag alone
  }
}

/**
 * The WebGL renderer string: `gl.RENDERER` where the browser gives the real one (Firefox,
 * sanitised), else `WEBGL_debug_renderer_info`'s unmasked one (Chromium and Safari report
 * "WebKit WebGL" there). Null when neither can be read.
 */
function rendererOf(gl: GlLike): string | null {
  if (typeof gl.getParameter !== 'function') return null;
  try {
    const plain = gl.getParameter(GL_RENDERER);
    if (typeof plain === 'string' && plain.trim() !== '' && !/^webkit webgl$/i.test(plain.trim())) return plain.trim();
    const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL?: number } | null;
    const unmasked = ext?.UNMASKED_RENDERER_WEBGL === undefined ? null : gl.getParameter(ext.UNMASKED_RENDERER_WEBGL);
    return typeof unmasked === 'string' && unmasked.trim() !== '' ? unmasked.trim() : null;
  } catch {
    return null;
  }
}

function defaultCanvas(): ProbeCanvas | null {
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => ProbeCanvas; document?: { createElement(tag: 'canvas'): ProbeCanvas } };
  if (typeof g.OffscreenCanvas === 'function') return new g.OffscreenCanvas(1, 1);
  if (g.document && typeof g.document.createElement === 'function') return g.document.createElement('canvas');
  return null;
}

function defaultNavigator(): { gpu?: GpuLike } | null {
  const n = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return n ?? null;
}

/**
 * The feature checks used by `useWebBackend`: WebGPU needs `navigator.gpu` and an adapter from
 * `requestAdapter()`; WebGL needs a WebGL2 context; wasm needs `WebAssembly`. The WebGPU and
 * WebGL checks name the adapter / renderer and say whether it is a software one (SwiftShader,
 * llvmpipe, a fallback adapter). Pass an environment to test them without a browser.
 *
 * @example
 * const probes = createFeatureProbes();
 * await probes.webgpu(); // { adapter: 'google swiftshader', software: 'reported as a fallback adapter' }, or e.g. 'navigator.gpu is missing (...)'
 */
export function createFeatureProbes(env: FeatureEnvironment = {}): FeatureProbes {
  return {
    async webgpu() {
      const nav = env.navigator !== undefined ? env.navigator : defaultNavigator();
      const gpu = nav?.gpu;
      if (!gpu || typeof gpu.requestAdapter !== 'function') {
        return 'navigator.gpu is missing (WebGPU needs a browser that supports it, enabled, in a secure context: https or localhost)';
      }
      let adapter: object | null;
      try {
        adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      } catch (err) {
        return `navigator.gpu.requestAdapter() failed: ${message(err)}`;
      }
      if (!adapter) return 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter; WebGPU may be disabled or the GPU blocklisted)';
      const described = await adapterInfo(adapter as GpuAdapterLike);
      return { adapter: describeGpuAdapter(described), software: softwareAdapterReason(described) };
    },
    async webgl() {
      let canvas: ProbeCanvas | null;
      try {
        canvas = (env.createCanvas ?? defaultCanvas)();
      } catch (err) {
        return `cannot create a canvas for the WebGL2 check: ${message(err)}`;
      }
      if (!canvas) return 'no OffscreenCanvas and no document to create a canvas for the WebGL2 check';
      let gl: GlLike | null;
      try {
        gl = canvas.getContext('webgl2') as GlLike | null;
      } catch (err) {
        return `getContext('webgl2') failed: ${message(err)}`;
      }
      if (!gl) return "getContext('webgl2') returned null (WebGL2 is unsupported or disabled)";
      const renderer = rendererOf(gl);
      // Free the probe's context at once: browsers cap the number of live WebGL contexts.
      const lose = gl.getExtension('WEBGL_lose_context') as { loseContext?: () => void } | null;
      lose?.loseContext?.();
      return renderer === null ? null : { adapter: renderer, software: softwareAdapterReason({ info: { description: renderer } }) };
    },
    async wasm() {
      const wa = env.webAssembly !== undefined ? env.webAssembly : (globalThis as { WebAssembly?: { instantiate?: unknown } }).WebAssembly;
      if (!wa || typeof wa.instantiate !== 'function') return 'WebAssembly is not available';
      return null;
    },
  };
}

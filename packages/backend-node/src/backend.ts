import * as tf from '@tensorflow/tfjs-core';
import { describeGpuAdapter, setFusedKernelsEnabled, softwareAdapterReason } from '@aaclip/core';
import { createRequire } from 'node:module';
import { useOwnGemm, type OwnGemmOptions } from '@aaclip/kernels/node';
// the fused kernels (LayerNorm, GELU/QuickGELU, attention head slices) of the cpu, wasm and
// webgpu backends, registered on import after their feature checks
import '@aaclip/kernels/tfjs';

const require = createRequire(import.meta.url);

/** Backends in resolution order. */
export type NodeBackendName = 'cuda' | 'webgpu' | 'native-cpu' | 'wasm' | 'cpu';
export const NODE_BACKEND_ORDER: readonly NodeBackendName[] = ['cuda', 'webgpu', 'native-cpu', 'wasm', 'cpu'];

export interface BackendReport {
  /** The backend now active. */
  active: NodeBackendName;
  /** tfjs' own name for it ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  tfjsName: string;
  /** For webgpu: the adapter Dawn chose ("nvidia ampere ...", "google swiftshader"). */
  adapter?: string;
  /** Why the active one was chosen: 'requested', 'environment', 'auto'. */
  how: 'requested' | 'environment' | 'auto';
  /** Each backend tried before the active one, and why it was skipped. */
  skipped: { name: NodeBackendName; reason: string }[];
}

const CUDA_HELP =
  '@tensorflow/tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8) on the library path; ' +
  'falling back to the next backend (set AACLIP_BACKEND=wasm to skip it)';

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 300);
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed (optional peer dependency: npm install ${pkg})`;
  }
  try {
    require(pkg);
  } catch (err) {
    const m = describe(err);
    if (pkg === '@tensorflow/tfjs-node-gpu' && /lib(cud|cublas|cufft|curand|cusolver|cusparse|tensorflow)/i.test(m)) return `${m}: ${CUDA_HELP}`;
    return `${pkg} failed to load: ${m}`;
  }
  if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but the 'tensorflow' backend failed to initialise`;
  return null;
}

let webgpuAdapter: string | undefined;

/**
 * WebGPU in Node through Dawn (the `webgpu` package, Vulkan on Linux): installs its
 * `navigator.gpu` and GPU* globals when Node has none, then tfjs' webgpu backend. In `auto`
 * mode a software adapter (SwiftShader, llvmpipe) is skipped: slower than wasm.
 */
async function tryWebGpu(auto: boolean): Promise<string | null> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const g = globalThis as any;
  if (!g.navigator?.gpu) {
    let dawn: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    try {
      dawn = (await import('webgpu')) as typeof dawn;
    } catch (err) {
      return `the 'webgpu' package (Dawn for Node) is not installed or failed to load (optional peer dependency: npm install webgpu @tensorflow/tfjs-backend-webgpu): ${describe(err)}`;
    }
    const flags = (process.env.AACLIP_DAWN_FLAGS ?? '').split(',').filter(Boolean);
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
    const gpu = dawn.create(flags);
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  const adapter = await g.navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'Dawn found no GPU adapter (Linux needs libvulkan.so.1 and a Vulkan driver: the GPU vendor\'s ICD)';
  const name = describeGpuAdapter(adapter);
  const software = auto ? softwareAdapterReason(adapter) : null; // core's rule, shared with @aaclip/backend-web
  if (software) return `only a software adapter was found (${name}: ${software}); request 'webgpu' by name to use it anyway`;
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    return `@tensorflow/tfjs-backend-webgpu failed to load: ${describe(err)}`;
  }
  if (!(await tf.setBackend('webgpu'))) return `the webgpu backend failed to initialise on ${name}`;
  webgpuAdapter = name;
  return null;
}

async function tryBackend(name: NodeBackendName, auto = false): Promise<string | null> {
  switch (name) {
    case 'cuda':
      return tryNative('@tensorflow/tfjs-node-gpu');
    case 'webgpu':
      return tryWebGpu(auto);
    case 'native-cpu':
      return tryNative('@tensorflow/tfjs-node');
    case 'wasm':
      try {
        await import('@tensorflow/tfjs-backend-wasm'); // .wasm binaries load from node_modules, never the network
        return (await tf.setBackend('wasm')) ? null : 'the wasm backend failed to initialise';
      } catch (err) {
        return `@tensorflow/tfjs-backend-wasm failed to load: ${describe(err)}`;
      }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return (await tf.setBackend('cpu')) ? null : 'the cpu backend failed to initialise';
    default:
      return `unknown backend "${String(name)}"`;
  }
}

function parseName(v: string, where: string): NodeBackendName | 'auto' {
  const n = v.trim().toLowerCase();
  const alias: Record<string, NodeBackendName | 'auto'> = { dawn: 'webgpu', gpu: 'cuda', 'tfjs-node-gpu': 'cuda', native: 'native-cpu', 'tfjs-node': 'native-cpu', tensorflow: 'native-cpu' };
  const r = (alias[n] ?? n) as NodeBackendName | 'auto';
  if (r !== 'auto' && !NODE_BACKEND_ORDER.includes(r)) {
    throw new Error(`${where}: unknown backend "${v}" (expected one of ${NODE_BACKEND_ORDER.join(', ')}, or auto)`);
  }
  return r;
}

let lastReport: BackendReport | null = null;

const adapterOf = (n: NodeBackendName): Pick<BackendReport, 'adapter'> => (n === 'webgpu' && webgpuAdapter ? { adapter: webgpuAdapter } : {});

/**
 * The fused kernels (registered on import of @aaclip/kernels/tfjs) run unless AACLIP_FUSED=0
 * turns them off (composite tfjs ops, for A/B runs).
 */
function useFusedKernels(gemm: OwnGemmOptions = {}): void {
  if (process.env.AACLIP_FUSED === '0') setFusedKernelsEnabled(false);
  // wasm: matrix products on the own multi-threaded GEMM (AACLIP_GEMM=xnnpack: tfjs' XNNPACK)
  if (tf.getBackend() === 'wasm') useOwnGemm(gemm);
}

/**
 * Selects the tfjs backend: the one named (argument, else $AACLIP_BACKEND), or the first that
 * works in the order cuda (tfjs-node-gpu), webgpu (Dawn, hardware adapters only), native-cpu
 * (tfjs-node), wasm, cpu. A named backend
 * that fails is an error. The report says which is active and why each earlier one was skipped.
 * In auto mode, `opts.skip` names backends not to try, with the reason to report.
 *
 * @example
 * const report = await useBackend();            // auto
 * await useBackend('wasm');                      // explicit
 * console.log(report.active, report.skipped);
 */
export async function useBackend(name?: NodeBackendName | 'auto', opts: { skip?: Partial<Record<NodeBackendName, string>> } & OwnGemmOptions = {}): Promise<BackendReport> {
  const env = process.env.AACLIP_BACKEND;
  const chosen = name ?? (env ? parseName(env, 'AACLIP_BACKEND') : 'auto');
  const how: BackendReport['how'] = name ? 'requested' : env ? 'environment' : 'auto';
  if (chosen !== 'auto') {
    const n = parseName(chosen, 'useBackend');
    const why = await tryBackend(n as NodeBackendName);
    if (why) throw new Error(`backend "${n}" is not available: ${why}`);
    await tf.ready();
    useFusedKernels(opts);
    lastReport = { active: n as NodeBackendName, tfjsName: tf.getBackend(), how, skipped: [], ...adapterOf(n as NodeBackendName) };
    return lastReport;
  }
  const skipped: BackendReport['skipped'] = [];
  for (const n of NODE_BACKEND_ORDER) {
    const why = opts.skip?.[n] ?? (await tryBackend(n, true)); // skip: reasons known beforehand (e.g. the CLI's WebGPU probe)
    if (!why) {
      await tf.ready();
      useFusedKernels(opts);
      lastReport = { active: n, tfjsName: tf.getBackend(), how, skipped, ...adapterOf(n) };
      return lastReport;
    }
    skipped.push({ name: n, reason: why });
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** The last report of {@link useBackend}, or null. */
export function backendReport(): BackendReport | null {
  return lastReport;
}

/** One line for logs: "backend wasm (auto; skipped cuda: ..., native-cpu: ...)". */
export function formatBackendReport(r: BackendReport): string {
  const skipped = r.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  return `backend ${r.active}${r.adapter ? ` on ${r.adapter}` : ''} (${r.how}${skipped ? `; skipped ${skipped}` : ''})`;
}

/**
 * Registers tfjs-core's own gradient functions (tfjs-core's main entry registers none), needed
 * for training only: `./register-gradients` (see there why it is built as a file of its own).
 * This replaces the `@tensorflow/tfjs` umbrella (layers, converter, data, core-js: 141 MB
 * installed) that was imported only for this.
 */
export async function ensureGradients(): Promise<void> {
  await import('./register-gradients.js');
}

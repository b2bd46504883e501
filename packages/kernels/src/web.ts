/*
 * @aaclip/kernels/web: the GEMM engine on browser Workers. Threads need a cross-origin isolated
 * page (shared memory); elsewhere the engine runs on one thread and says so once. Threads default
 * to navigator.hardwareConcurrency. A page's main thread may not block, so it spins while the
 * workers finish; run the model in a Worker to avoid that.
 */
import { GemmEngine, type GemmEngineOptions, type ThreadSpawner } from './engine';
import { resolveThreads } from './threads';

export * from './index';

interface WebWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  addEventListener(type: string, fn: (e: { message?: string; data?: { error?: string } }) => void): void;
}

function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export function webSpawner(workerUrl: string | URL = new URL('./web-worker.js', import.meta.url)): ThreadSpawner {
  const W = (globalThis as unknown as { Worker: new (u: string | URL, o: object) => WebWorker }).Worker;
  return {
    canBlock: typeof SharedArrayBuffer !== 'undefined' && mayBlock(),
    spawn(init, onExit) {
      const w = new W(workerUrl, { type: 'module' });
      w.addEventListener('error', (e) => onExit(e.message ?? 'worker error'));
      w.addEventListener('message', (e) => e.data?.error && onExit(e.data.error));
      w.postMessage(init);
      return { terminate: () => w.terminate() };
    },
  };
}

export interface WebGemmOptions extends Omit<GemmEngineOptions, 'spawner' | 'threads'> {
  threads?: number;
  workerUrl?: string | URL;
}

export function createGemmEngine(opts: WebGemmOptions = {}): GemmEngine {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const threads = resolveThreads(opts.threads, undefined, nav?.hardwareConcurrency ?? 1);
  return new GemmEngine({ ...opts, threads, spawner: threads > 1 ? webSpawner(opts.workerUrl) : undefined });
}

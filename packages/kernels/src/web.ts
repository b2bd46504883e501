/*
 * @aaclip/kernels/web: the GEMM engine on browser Workers. Threads need a cross-origin isolated
 * page (shared memory); elsewhere the engine runs on one thread and says so once. Threads default
 * to navigator.hardwareConcurrency. A page's main thread may not block, so it spins while the
 * workers finish; run the model in a Worker to avoid that. A Worker starts only once the page's
 * thread has yielded, so a page makes its engine with `startGemmEngine` (resolves when every
 * worker is running): a product posted before that would spin while no worker can start.
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

/** `started(p)` gets, for each worker spawned, a promise that settles when it runs (or fails). */
export function webSpawner(workerUrl: string | URL = new URL('./web-worker.js', import.meta.url), started?: (p: Promise<void>) => void): ThreadSpawner {
  const W = (globalThis as unknown as { Worker: new (u: string | URL, o: object) => WebWorker }).Worker;
  return {
    canBlock: typeof SharedArrayBuffer !== 'undefined' && mayBlock(),
    spawn(init, onExit) {
      const w = new W(workerUrl, { type: 'module' });
      let ready: () => void = () => {};
      started?.(new Promise<void>((resolve) => (ready = resolve)));
      w.addEventListener('error', (e) => (ready(), onExit(e.message ?? 'worker error')));
      w.addEventListener('message', (e) => {
        const data = e.data as { error?: string; ready?: boolean } | undefined;
        if (data?.ready) ready();
        if (data?.error) (ready(), onExit(data.error));
      });
      w.postMessage(init);
      return { terminate: () => (ready(), w.terminate()) };
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

/** `createGemmEngine`, resolved once every worker runs (or has failed, which its first call reports). */
export async function startGemmEngine(opts: WebGemmOptions = {}): Promise<GemmEngine> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const threads = resolveThreads(opts.threads, undefined, nav?.hardwareConcurrency ?? 1);
  const pending: Array<Promise<void>> = [];
  const engine = new GemmEngine({ ...opts, threads, spawner: threads > 1 ? webSpawner(opts.workerUrl, (p) => pending.push(p)) : undefined });
  await Promise.all(pending);
  return engine;
}

/*
 * @aaclip/kernels/node: the GEMM engine on Node worker_threads. Threads default to
 * os.availableParallelism(); AACLIP_THREADS or the `threads` option override it.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GemmEngine, type GemmEngineOptions, type ThreadSpawner } from './engine';
import { resolveThreads } from './threads';

export * from './index';

/** The worker script: dist/node-worker.js next to this file (from the sources: the built one). */
function defaultWorkerFile(): string {
  const here = new URL('./node-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return fileURLToPath(here);
  const built = new URL('../dist/node-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return fileURLToPath(built);
  throw new Error('GEMM engine: the worker script dist/node-worker.js is missing; build @aaclip/kernels (npx tsup in packages/kernels)');
}

/** Starts workers as Node worker_threads (unref'd: they never keep the process alive). */
export function nodeSpawner(workerFile = defaultWorkerFile()): ThreadSpawner {
  return {
    canBlock: true,
    spawn(init, onExit) {
      const worker = new Worker(workerFile, { workerData: init });
      worker.unref();
      worker.on('error', (err) => onExit(err.message));
      worker.on('exit', (code) => onExit(`exited with code ${code}`));
      return { terminate: () => void worker.terminate() };
    },
  };
}

export interface NodeGemmOptions extends Omit<GemmEngineOptions, 'spawner' | 'threads'> {
  /** Threads, this one included (default: AACLIP_THREADS, else os.availableParallelism()). */
  threads?: number;
  workerFile?: string;
}

/** The machine's thread count for the engine: option, AACLIP_THREADS, or the available cores. */
export function defaultThreads(option?: number): number {
  return resolveThreads(option, process.env.AACLIP_THREADS, os.availableParallelism());
}

/** A GEMM engine whose threads are worker_threads. */
export function createGemmEngine(opts: NodeGemmOptions = {}): GemmEngine {
  const threads = defaultThreads(opts.threads);
  return new GemmEngine({ ...opts, threads, spawner: threads > 1 ? nodeSpawner(opts.workerFile) : undefined });
}

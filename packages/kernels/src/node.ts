/*
 * @aaclip/kernels/node: the GEMM engine on Node worker_threads. Threads default to
 * os.availableParallelism() (1 inside a worker thread); AACLIP_THREADS or the `threads` option
 * override it.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread } from 'node:worker_threads';
import { matMulProvider, setMatMulProvider } from '@aaclip/core';
import { GemmEngine, type GemmEngineOptions, type ThreadSpawner } from './engine';
import { gemmChoice, type GemmChoice } from './gemm-choice';
import { simdSupported } from './gemm-module';
import { resolveThreads } from './threads';
import { TfjsGemmProvider } from './tfjs-provider';

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

/**
 * The engine's thread count: option, AACLIP_THREADS, or the available cores; inside a worker
 * thread (a detector or training pool's worker: the pool already spreads over the cores) 1.
 */
export function defaultThreads(option?: number): number {
  return resolveThreads(option, process.env.AACLIP_THREADS, isMainThread ? os.availableParallelism() : 1);
}

/** A GEMM engine whose threads are worker_threads. */
export function createGemmEngine(opts: NodeGemmOptions = {}): GemmEngine {
  const threads = defaultThreads(opts.threads);
  return new GemmEngine({ ...opts, threads, spawner: threads > 1 ? nodeSpawner(opts.workerFile) : undefined });
}

// ---- the own GEMM as tfjs-wasm's matrix-product provider

let active: { engine: GemmEngine; provider: TfjsGemmProvider } | null = null;

export interface OwnGemmOptions {
  /** 'own' (default) or 'xnnpack'; default from AACLIP_GEMM. */
  gemm?: GemmChoice;
  /** Threads, this one included (default AACLIP_THREADS, else the machine's cores). */
  threads?: number;
}

/**
 * Plugs the own GEMM engine into core's models as their matrix-product provider (tfjs-wasm
 * only; other backends keep theirs), or removes it for 'xnnpack'. Returns the engine in use, or
 * null. An engine already plugged in with the same thread count is kept (its packed weights with
 * it); models built while it was plugged in need it for as long as they live.
 */
export function useOwnGemm(opts: OwnGemmOptions = {}): GemmEngine | null {
  const choice = gemmChoice(opts.gemm, process.env.AACLIP_GEMM);
  if (choice === 'xnnpack' || !simdSupported()) {
    if (active && matMulProvider() === active.provider) setMatMulProvider(null);
    return null;
  }
  const threads = defaultThreads(opts.threads);
  if (!active || active.engine.isDisposed || active.engine.threads !== threads) {
    active = null;
    const engine = createGemmEngine({ threads });
    active = { engine, provider: new TfjsGemmProvider(engine) };
  }
  setMatMulProvider(active.provider);
  return active.engine;
}

/** Removes the own GEMM provider and frees its engine (threads, packed weights). */
export function disposeOwnGemm(): void {
  if (!active) return;
  if (matMulProvider() === active.provider) setMatMulProvider(null);
  active.provider.dispose();
  active.engine.dispose();
  active = null;
}

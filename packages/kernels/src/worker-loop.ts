/*
 * What each worker thread runs (Node worker_threads or a browser Worker): instantiate the
 * micro-kernels on the shared memory, then wait for a job generation, take units until none
 * is left, report, and wait again. An exception inside a job is written to the control block
 * (the calling thread throws it); the worker lives on.
 */
import type { KernelShape } from './gemm-module';
import { instantiateThread, runJob } from './run-job';
import type { WasmMemory } from './wasm-api';
import { CONTROL_BYTES, FAILED, GEN, PENDING, QUIT, doneIndex, writeMessage } from './layout';

/** What the engine hands a worker when it starts it. */
export interface WorkerInit {
  memory: WasmMemory;
  shape: KernelShape;
  maxPages: number;
  /** 1-based worker index (the calling thread is 0). */
  thread: number;
  /** The job generation when it was started: it runs every later one. */
  gen: number;
}

/** The worker's loop; returns when the engine sets QUIT. */
export function workerLoop(init: WorkerInit): void {
  const { memory, thread } = init;
  const ctl = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
  const { kernels, rows, fused } = instantiateThread(memory, init.shape, init.maxPages, true);
  const runner = { kernels, rows, fused, nr: init.shape.nr, memory, thread };
  let seen = init.gen;
  for (;;) {
    Atomics.wait(ctl, GEN, seen);
    const gen = Atomics.load(ctl, GEN);
    if (gen === seen) continue;
    seen = gen;
    if (Atomics.load(ctl, QUIT)) return;
    try {
      runJob(ctl, runner);
    } catch (err) {
      writeMessage(ctl, thread, err instanceof Error ? err.message : String(err));
      Atomics.store(ctl, FAILED, thread);
    }
    Atomics.store(ctl, doneIndex(thread), gen);
    Atomics.sub(ctl, PENDING, 1);
    Atomics.notify(ctl, PENDING);
  }
}

/*
 * A GEMM worker in a browser (built to dist/web-worker.js, started as a module Worker): waits for
 * its init message, then runs the engine's worker loop on the shared memory.
 */
import { workerLoop, type WorkerInit } from './worker-loop';

const scope = globalThis as unknown as { onmessage: ((e: { data: WorkerInit }) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => {
  scope.onmessage = null;
  scope.postMessage({ ready: true }); // the page may now post jobs (it spins while they run)
  try {
    workerLoop(e.data);
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};

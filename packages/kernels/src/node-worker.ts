/*
 * A GEMM worker thread in Node (built to dist/node-worker.js): runs the engine's worker loop on
 * the shared memory it is given. If it dies (an uncaught error, process.exit), it writes why into
 * the control block first, so that a call waiting on it synchronously fails with that message.
 */
import { workerData } from 'node:worker_threads';
import { CONTROL_BYTES, PENDING, QUIT, stateIndex, writeMessage } from './layout';
import { workerLoop, type WorkerInit } from './worker-loop';

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.memory.buffer, 0, CONTROL_BYTES / 4);

function die(message: string): void {
  if (Atomics.load(ctl, QUIT) || Atomics.load(ctl, stateIndex(init.thread))) return;
  writeMessage(ctl, init.thread, message);
  Atomics.store(ctl, stateIndex(init.thread), 1);
  Atomics.notify(ctl, PENDING);
}

process.on('exit', (code) => die(`exited with code ${code}`));
try {
  workerLoop(init);
} catch (err) {
  die(err instanceof Error ? err.message : String(err));
  throw err;
}

/*
 * One RPC scheduler for both worker pools (detection: pool/, training: train-pool/). The main
 * side starts N worker threads, waits until each has loaded its weights, and hands queued
 * calls to idle workers, one call per worker at a time (a call may name the worker it must
 * run on). The worker side serves the calls strictly in turn. Messages are structured-clone
 * data; Float32Arrays travel as transferred buffers.
 *
 * Why our own and not piscina / tinypool: both pools need calls pinned to one worker (anchors are
 * computed by the worker that holds the text tower; each training shard goes to its own worker,
 * which holds that step's adapter weights), and the detection pool builds a call's message only
 * when a worker takes it (a class's anchors are sent to a worker once, with its first images).
 * Those libraries hand a task to whichever worker is free, with its message fixed up front.
 */
import { closeSync, existsSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { isSafetensorsHead, WEIGHT_SNIFF_BYTES } from '@aaclip/core/weights';
import { openInputFileSync } from './input-file';

/** A request as the pool builds it; the scheduler adds the call's `id`. */
export interface RpcRequest {
  type: string;
}

/** Every message a worker sends. */
export type RpcReply<Ready = unknown> =
  | { type: 'ready'; info: Ready }
  | { type: 'init-error'; message: string }
  | { type: 'ok'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string }
  | { type: 'warning'; message: string };

/** What a call sends, built when a worker takes it (`worker`: the index of that worker). */
export type RpcBuild<Req extends RpcRequest> = (worker: number) => { req: Req; transfer?: ArrayBuffer[] };

interface Call<Req extends RpcRequest> {
  /** The worker the call must run on, or any. */
  worker?: number;
  build: RpcBuild<Req>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Slot<Req extends RpcRequest, Ready> {
  worker: Worker;
  busy: Call<Req> | null;
  busyId: number;
  info: Ready | null;
}

export interface WorkerRpcOptions {
  /** The worker script. */
  file: string | URL;
  /** Worker threads to start. */
  count: number;
  /** `workerData` of worker `index`. */
  workerData(index: number): unknown;
  /** Names the pool in errors, e.g. 'DetectorPool'. */
  name: string;
  /**
   * The weights file every worker loads: side by side when it is streamed (.safetensors: each
   * worker holds only its own tensors), one at a time otherwise (a .pt file is read whole, so
   * at most one file copy is alive). Undefined: side by side.
   */
  weightsFile?: string;
  /** Receives the workers' warnings. */
  onWarning?: (message: string) => void;
}

function errorOf(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * A built worker script (`dist/NAME.js`): next to the bundle that runs this code, or in dist/
 * when running from src/. `who` names the caller in the error.
 */
export function builtWorkerScript(name: string, who: string): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, `${name}.js`), join(here, '..', 'dist', `${name}.js`)]; // dist/, or src/ -> ../dist
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${who}: worker script not found (looked for ${candidates.join(', ')}; build @aaclip/backend-node first)`);
  return found;
}

/** Whether a weights file is streamed by its readers (core's one sniffer, on its first bytes). */
function isStreamedFile(path: string): boolean {
  try {
    const { fd, size } = openInputFileSync(path, { what: 'weights' }); // a FIFO would block openSync forever
    try {
      const head = new Uint8Array(Math.min(WEIGHT_SNIFF_BYTES, size));
      const n = readSync(fd, head, 0, head.length, 0);
      return isSafetensorsHead(head.subarray(0, n), size);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the workers report the real error
  }
}

/**
 * The main side: N workers, a queue of calls, one call per worker at a time. A worker that
 * fails or exits fails its call and every queued one, and every later call.
 */
export class WorkerRpc<Req extends RpcRequest, Ready = unknown> {
  private readonly slots: Slot<Req, Ready>[] = [];
  private readonly queue: Call<Req>[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private disposed = false;

  private constructor(private readonly opts: WorkerRpcOptions) {}

  /** Starts the workers and waits until every one is ready (a failed start stops them all). */
  static async start<Req extends RpcRequest, Ready>(opts: WorkerRpcOptions): Promise<WorkerRpc<Req, Ready>> {
    const rpc = new WorkerRpc<Req, Ready>(opts);
    try {
      if (opts.weightsFile === undefined || isStreamedFile(opts.weightsFile)) await Promise.all(Array.from({ length: opts.count }, (_, i) => rpc.startOne(i)));
      else for (let i = 0; i < opts.count; i++) await rpc.startOne(i);
    } catch (e) {
      await rpc.dispose();
      throw e;
    }
    return rpc;
  }

  private startOne(index: number): Promise<void> {
    const worker = new Worker(this.opts.file, { workerData: this.opts.workerData(index) });
    const slot: Slot<Req, Ready> = { worker, busy: null, busyId: 0, info: null };
    this.slots[index] = slot;
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`${this.opts.name}: worker ${index} exited with code ${code} while loading`));
      const onError = (e: Error): void => reject(new Error(`${this.opts.name}: worker ${index}: ${e.message}`));
      worker.once('exit', onExit);
      worker.once('error', onError);
      const onMessage = (m: RpcReply<Ready>): void => {
        if (m.type === 'warning') return this.opts.onWarning?.(m.message);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (m.type === 'ready') {
          slot.info = m.info;
          this.attach(slot, index);
          resolve();
        } else if (m.type === 'init-error') reject(new Error(m.message));
        else reject(new Error(`${this.opts.name}: worker ${index}: unexpected first message ${m.type}`));
      };
      worker.on('message', onMessage);
    });
  }

  /** Wires a ready worker's replies to the call it is running. */
  private attach(slot: Slot<Req, Ready>, index: number): void {
    slot.worker.on('message', (m: RpcReply<Ready>) => {
      if (m.type === 'warning') return this.opts.onWarning?.(m.message);
      if (m.type !== 'ok' && m.type !== 'error') return;
      const call = slot.busy;
      if (!call || m.id !== slot.busyId) return;
      slot.busy = null;
      if (m.type === 'ok') call.resolve(m.result);
      else call.reject(new Error(m.message));
      this.pump();
    });
    const fail = (why: string): void => {
      if (this.disposed) return;
      const err = new Error(`${this.opts.name}: worker ${index} ${why}`);
      this.failure ??= err;
      const call = slot.busy;
      slot.busy = null;
      call?.reject(err);
      for (const c of this.queue.splice(0)) c.reject(err); // nothing can run reliably any more
    };
    slot.worker.on('error', (e) => fail(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  /** Hands queued calls to idle workers. */
  private pump(): void {
    for (let w = 0; w < this.slots.length; w++) {
      const slot = this.slots[w]!;
      if (slot.busy) continue;
      const i = this.queue.findIndex((c) => c.worker === undefined || c.worker === w);
      if (i < 0) continue;
      const call = this.queue.splice(i, 1)[0]!;
      let built;
      try {
        built = call.build(w);
      } catch (e) {
        call.reject(errorOf(e));
        w--; // this worker is still idle
        continue;
      }
      const id = this.nextId++;
      slot.busy = call;
      slot.busyId = id;
      slot.worker.postMessage({ ...built.req, id }, built.transfer ?? []);
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** What worker `index` said when it was ready. */
  info(index: number): Ready {
    return this.slots[index]!.info!;
  }

  /** Queues a call (on `worker`, or the first idle one); resolves with the worker's result. */
  call<T>(build: RpcBuild<Req>, worker?: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.disposed) return reject(new Error(`${this.opts.name}: used after dispose()`));
      if (this.failure) return reject(this.failure);
      this.queue.push({ worker, build, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** The failure that stopped the pool, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Terminates the workers (their memory goes with them); calls still queued or running reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const err = new Error(`${this.opts.name}: disposed`);
    for (const c of this.queue.splice(0)) c.reject(err);
    for (const s of this.slots) {
      s.busy?.reject(err);
      if (s) s.busy = null;
    }
    await Promise.all(this.slots.filter(Boolean).map((s) => s.worker.terminate()));
  }
}

/** A worker's answer to one call: its result and the buffers to transfer. */
export interface RpcResult {
  result: unknown;
  transfer?: ArrayBuffer[];
}

/**
 * The worker side: loads once (`load`), says it is ready with `info`, then serves the calls
 * strictly in turn (calls that arrive while it loads wait). A failed load is reported to the
 * main side, which rejects the pool's start.
 */
export function serveRpc<Req extends RpcRequest & { id: number }, State, Ready>(
  load: () => Promise<{ state: State; info: Ready }>,
  handle: (state: State, req: Req) => Promise<RpcResult>,
): void {
  const port = parentPort;
  if (!port) throw new Error('this script must run as a worker thread of a pool');
  let state: { value: State } | null = null;
  const loaded = load().then(
    (r) => {
      state = { value: r.state };
      port.postMessage({ type: 'ready', info: r.info } satisfies RpcReply<Ready>);
    },
    (e: unknown) => port.postMessage({ type: 'init-error', message: errorOf(e).message } satisfies RpcReply),
  );
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: Req) => {
    chain = chain
      .then(() => loaded)
      .then(async () => {
        if (!state) throw new Error('the worker failed to load its model');
        const r = await handle(state.value, req);
        port.postMessage({ type: 'ok', id: req.id, result: r.result } satisfies RpcReply, r.transfer ?? []);
      })
      .catch((e: unknown) => port.postMessage({ type: 'error', id: req.id, message: errorOf(e).message } satisfies RpcReply));
  });
}

/** Sends a warning from a worker to its pool's `onWarning`. */
export function postRpcWarning(message: string): void {
  parentPort?.postMessage({ type: 'warning', message } satisfies RpcReply);
}

// `aaclip worker`: loads its model once, then pulls detection jobs from the BullMQ queue and
// returns their results. A worker whose model cannot load takes no jobs: its readiness record in
// Redis says why (serve's /readyz shows it). Jobs that fail on every try go to the dead-letter
// queue; a client's mistake (bad image, unknown class) fails at once and is never retried.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import * as tf from '@tensorflow/tfjs-core';
import type { Detector } from '@aaclip/core';
import { backendReport, createDetector, resolveBundleReferences, type NodeBackendName } from '@aaclip/backend-node';
import { BusyError, RequestError, type DetectEngine, type Readiness } from '../engine';
import { createLocalEngine } from '../local-engine';
import {
  DEFAULT_QUEUE, KEY_PREFIX, QUEUE_DEFAULTS, deadLetterQueue, encodeClientError, f32FromB64, f32ToB64, fromWireImages, toJobResult, workerKey, workersSetKey,
  type DetectJobData, type DetectJobResult, type JobData, type TensorJobData, type TensorJobResult, type WorkerRecord,
} from './protocol';

export interface QueueWorkerOptions {
  /** redis://host:port of the queue */
  url: string;
  queue?: string;
  /** CLIP weights or an aaclip model file (path, hf:owner/name, alias or URL). */
  model: string;
  adapters?: string[];
  vocab?: string[];
  /** tfjs backend of this worker (wasm, cpu, webgpu, tensorflow, ...); default: the fastest available. */
  device?: NodeBackendName | 'auto';
  /** Input size (default: the model's native size). */
  size?: number;
  /** Jobs run at once (default 1); jobs of one class running together are detected as one batch. */
  concurrency?: number;
  /** Most images per batch across concurrent jobs (default 8). */
  maxBatch?: number;
  /** A job's lock; a worker that stops renewing it (killed) loses the job after this (default 300 s; see QUEUE_DEFAULTS). */
  lockMs?: number;
  /** Interval of the check for stalled jobs (default: the smaller of lockMs and 30 s). */
  stalledMs?: number;
  /** Name in logs, readiness records and job results (default host-pid). */
  id?: string;
  /** An engine instead of loading `model` (embedding, tests); `model` then only names it. */
  engine?: () => Promise<DetectEngine>;
  /** One JSON object per event (default: a line on stdout). */
  log?: (event: Record<string, unknown>) => void;
}

export interface QueueWorker {
  readonly id: string;
  /** Ready once the model is loaded; otherwise why not. */
  readonly ready: Readiness;
  /** Jobs this worker completed. */
  completed(): number;
  /** Stops taking jobs, finishes the running ones, removes its record, frees the model. */
  close(): Promise<void>;
}

/** The identity of a model: sha256 over its files' bytes (local files), else the name itself. */
export async function modelIdentity(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) {
    if (existsSync(f)) {
      const fh = createHash('sha256');
      for await (const chunk of createReadStream(f)) fh.update(chunk as Buffer);
      h.update(fh.digest('hex'));
    } else h.update(`name:${f}`);
    h.update('\0');
  }
  return h.digest('hex');
}

/** Starts a worker; resolves once it takes jobs, or once it has reported that its model cannot load. */
export async function runWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const queueName = o.queue ?? DEFAULT_QUEUE;
  const id = o.id ?? `${hostname()}-${process.pid}`;
  const log = o.log ?? ((e) => console.log(JSON.stringify({ time: new Date().toISOString(), worker: id, ...e })));
  const redis = new Redis(o.url, { maxRetriesPerRequest: null, connectionName: `aaclip-worker-${id}` });
  redis.on('error', () => undefined); // reconnects by itself; the heartbeat reports the gap
  let record: WorkerRecord = { id, ok: false, reason: 'loading the model', backend: '', model: o.model, classes: [], pid: process.pid, host: hostname(), at: 0 };
  const beat = async (): Promise<void> => {
    record = { ...record, at: Date.now() };
    const ttl = Math.ceil((3 * QUEUE_DEFAULTS.heartbeatMs) / 1000) + 1;
    await redis.multi().set(workerKey(queueName, id), JSON.stringify(record), 'EX', ttl).sadd(workersSetKey(queueName), id).exec();
  };
  const heartbeat = setInterval(() => void beat().catch(() => undefined), QUEUE_DEFAULTS.heartbeatMs);
  await beat().catch(() => undefined);

  let engine: DetectEngine;
  // hf: names, aliases and URLs resolved once to files (downloaded into the Hub cache): the
  // engine, the eval detector and the model's identity all read the same files
  let files: { model: string; adapters?: string[]; vocab?: string[] } = { model: o.model, adapters: o.adapters, vocab: o.vocab };
  try {
    if (!o.engine) files = await resolveBundleReferences(files);
    engine = o.engine ? await o.engine() : await createLocalEngine({ ...files, device: o.device, size: o.size, maxBatch: o.maxBatch });
  } catch (e) {
    // no model: report why and take no jobs
    record = { ...record, ok: false, reason: `cannot load model ${o.model}: ${(e as Error).message}` };
    await beat().catch(() => undefined);
    log({ level: 'error', event: 'model-failed', reason: record.reason });
    const w: QueueWorker = {
      id,
      ready: { ok: false, reason: record.reason! },
      completed: () => 0,
      async close() {
        clearInterval(heartbeat);
        await redis.multi().del(workerKey(queueName, id)).srem(workersSetKey(queueName), id).exec().catch(() => undefined);
        redis.disconnect();
      },
    };
    return w;
  }
  record = { ...record, ok: true, reason: undefined, backend: engine.backend(), classes: [...engine.classes()] };
  await beat().catch(() => undefined);

  const connection = { url: o.url, maxRetriesPerRequest: null };
  const deadLetters = new Queue(deadLetterQueue(queueName), { connection, prefix: KEY_PREFIX });
  deadLetters.on('error', () => undefined);
  const tensorHeads = new Map<string, Promise<Detector>>();
  let modelId: Promise<string> | null = null;
  let done = 0;

  const runDetect = async (job: Job<DetectJobData>): Promise<DetectJobResult> => {
    const d = job.data;
    const res = await engine.detect({ className: d.className, method: d.method, options: d.options, images: fromWireImages(d.images), ...(d.normals ? { normals: fromWireImages(d.normals) } : {}) });
    return toJobResult(res, id);
  };

  // eval --queue: preprocessed images in, exact maps out, on a detector with the eval's prompts
  const runTensor = async (job: Job<TensorJobData>): Promise<TensorJobResult> => {
    const d = job.data;
    modelId ??= modelIdentity([files.model, ...(files.adapters ?? [])]);
    const mine = await modelId;
    if (mine !== d.modelId) throw new RequestError(409, 'other-model', `worker ${id} runs another model (${o.model}, sha256 ${mine.slice(0, 12)}) than the evaluation (${d.modelId.slice(0, 12)}): start the workers with the same --model and --adapters`);
    const key = JSON.stringify([d.dataset ?? null, d.domain]);
    if (!tensorHeads.has(key)) {
      tensorHeads.set(key, createDetector({ model: files.model, adapters: files.adapters, vocab: files.vocab, prompts: { dataset: d.dataset, onWarning: () => undefined }, domain: d.domain }));
    }
    const detector = await tensorHeads.get(key)!;
    const x = f32FromB64(d.pixels);
    if (x.length !== d.count * d.size * d.size * 3) throw new RequestError(400, 'bad-tensor', `tensor job ${job.id}: ${x.length} values for ${d.count} images of ${d.size} px`);
    const images = tf.tensor4d(x, [d.count, d.size, d.size, 3]); // [count, S, S, 3]
    try {
      const dets = await detector.detect(images, { className: d.className, domain: d.domain });
      return {
        detections: dets.map((t) => ({ size: t.size, imageScore: t.imageScore, mapMax: t.mapMax, score: t.score, anomalyMap: f32ToB64(t.anomalyMap) })),
        backend: backendReport()?.active ?? tf.getBackend(),
        worker: id,
      };
    } finally {
      images.dispose();
    }
  };

  const worker = new Worker<JobData>(
    queueName,
    async (job) => {
      const t0 = Date.now();
      log({ level: 'info', event: 'job-started', jobId: job.id, kind: job.data.kind, attempt: job.attemptsMade + 1 });
      try {
        const out = job.data.kind === 'tensor' ? await runTensor(job as Job<TensorJobData>) : await runDetect(job as Job<DetectJobData>);
        log({ level: 'info', event: 'job-done', jobId: job.id, ms: Date.now() - t0 });
        return out;
      } catch (e) {
        // a busy engine is transient (retried); any other RequestError is the client's, answered at once
        if (e instanceof RequestError && !(e instanceof BusyError)) throw new UnrecoverableError(encodeClientError(e));
        throw e;
      }
    },
    {
      connection,
      prefix: KEY_PREFIX,
      name: id,
      concurrency: o.concurrency ?? 1,
      lockDuration: o.lockMs ?? QUEUE_DEFAULTS.lockMs,
      stalledInterval: o.stalledMs ?? Math.min(o.lockMs ?? QUEUE_DEFAULTS.lockMs, QUEUE_DEFAULTS.stalledMs),
      // a job whose worker died is put back twice; a third time it fails (and is dead-lettered)
      maxStalledCount: 2,
    },
  );
  worker.on('error', (e) => log({ level: 'warn', event: 'redis-error', message: e.message }));
  worker.on('completed', (job) => {
    done++;
    log({ level: 'info', event: 'job-completed', jobId: job.id });
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const lastTry = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/.test(err.message);
    const client = err.name === 'UnrecoverableError';
    log({ level: client ? 'info' : 'warn', event: 'job-failed', jobId: job.id, attempt: job.attemptsMade, lastTry, message: err.message });
    if (!lastTry || client) return;
    // failed on every try: kept in the dead-letter queue (same id, so one entry per job) for inspection or replay
    void deadLetters
      .add(job.name, { id: job.id, data: job.data, failedReason: job.failedReason ?? err.message, attemptsMade: job.attemptsMade, worker: id, failedAt: Date.now() }, { jobId: job.id })
      .then(() => log({ level: 'warn', event: 'job-dead-lettered', jobId: job.id }))
      .catch((e: Error) => log({ level: 'error', event: 'dead-letter-failed', jobId: job.id, message: e.message }));
  });
  await worker.waitUntilReady();
  log({ level: 'info', event: 'worker-ready', queue: queueName, backend: record.backend, concurrency: o.concurrency ?? 1 });
  let closing: Promise<void> | null = null;
  return {
    id,
    ready: { ok: true },
    completed: () => done,
    close() {
      closing ??= (async () => {
        record = { ...record, ok: false, reason: 'shutting down' };
        await beat().catch(() => undefined);
        await worker.close(); // waits for the running jobs
        clearInterval(heartbeat);
        await redis.multi().del(workerKey(queueName, id)).srem(workersSetKey(queueName), id).exec().catch(() => undefined);
        redis.disconnect();
        await deadLetters.close();
        for (const p of tensorHeads.values()) (await p.catch(() => null))?.dispose();
        await engine.close();
        log({ level: 'info', event: 'worker-closed', completed: done });
      })();
      return closing;
    },
  };
}

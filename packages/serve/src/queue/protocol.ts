// What travels over Redis between `aaclip serve --queue` / `aaclip eval --queue` (producers) and
// `aaclip worker` (consumers): job names and data, results, idempotent job ids, the errors a job
// fails with, and the workers' readiness records. Everything is JSON (BullMQ stores job data and
// return values as JSON); bytes are base64, so workers need no shared disk.
import { createHash } from 'node:crypto';
import { RequestError, type DetectImage, type DetectMethod, type DetectRequestOptions, type DetectRequest, type DetectResponse, type ImageResult } from '../engine';

/** Key prefix of every BullMQ key (`aaclip:<queue>:...`). */
export const KEY_PREFIX = 'aaclip';
/** Default queue name. */
export const DEFAULT_QUEUE = 'detect';
/** The dead-letter queue of a queue: jobs that failed on every try. */
export const deadLetterQueue = (queue: string): string => `${queue}-dead`;

/** Defaults shared by producers (documented in docs/scale-out.md). */
export const QUEUE_DEFAULTS = {
  /** Tries per job before it goes to the dead-letter queue. */
  attempts: 3,
  /** First retry delay; then doubled per try (exponential backoff). */
  backoffMs: 1000,
  /** Seconds results (and failures) are kept in Redis after they finish. */
  resultTtlS: 3600,
  /** How long a producer waits for a job's result. */
  timeoutMs: 300_000,
  /** Jobs waiting in the queue before `serve --queue` answers 429. */
  maxWaiting: 1000,
  /**
   * A job's lock: a worker that has not renewed it for this long (killed) loses the job to another.
   * It must outlast the longest job: detection holds the JavaScript thread (tfjs runs its kernels
   * synchronously), so the lock is not renewed while a batch runs (a ViT-L-14-336 image takes
   * 20-40 s on a CPU core). 5 minutes; lower it for fast models to recover killed jobs sooner.
   */
  lockMs: 300_000,
  /** Interval of the stalled-job check (at most this, and at most lockMs). */
  stalledMs: 30_000,
  /** Seconds between a worker's readiness records; a record older than 3 beats is ignored. */
  heartbeatMs: 2000,
} as const;

/** A detection request as job data (`name: 'detect'`). */
export interface DetectJobData {
  kind: 'detect';
  className: string;
  method: DetectMethod;
  options?: DetectRequestOptions;
  images: WireImage[];
  normals?: WireImage[];
}

/** Preprocessed images for `aaclip eval --queue` (`name: 'tensor'`): raw maps come back. */
export interface TensorJobData {
  kind: 'tensor';
  className: string;
  domain: 'industrial' | 'medical';
  /** Class-name table of the prompts (eval's --dataset). */
  dataset?: string;
  /** sha256 of the model and adapter files the producer evaluates; the worker must run the same. */
  modelId: string;
  /** Side of the square images. */
  size: number;
  count: number;
  /** float32 little-endian [count, size, size, 3], CLIP-normalised, base64 */
  pixels: string;
}

export type JobData = DetectJobData | TensorJobData;

export interface WireImage {
  /** base64 of the encoded bytes as the client sent them */
  b64: string;
  name?: string;
}

/** A detection response as a job's return value (maps as base64 PNG). */
export interface DetectJobResult extends Omit<DetectResponse, 'results'> {
  results: (Omit<ImageResult, 'mapPng'> & { mapPng?: string })[];
  /** The worker that ran it. */
  worker: string;
}

export interface TensorDetection {
  size: number;
  imageScore: number;
  mapMax: number;
  score: number;
  /** float32 little-endian [size * size], base64: the exact map, for the evaluation's metrics */
  anomalyMap: string;
}

export interface TensorJobResult {
  detections: TensorDetection[];
  backend: string;
  worker: string;
}

/** A worker's readiness record, refreshed every heartbeat. */
export interface WorkerRecord {
  id: string;
  ok: boolean;
  /** Why it takes no jobs (a model that cannot load, shutting down). */
  reason?: string;
  backend: string;
  /** The model argument it was started with, and its sha256 (with adapters) once computed. */
  model: string;
  modelId?: string;
  classes: string[];
  pid: number;
  host: string;
  /** ms since epoch of the last heartbeat */
  at: number;
}

/** The key of one worker's record (expires after 3 heartbeats) and of the set of their ids. */
export const workerKey = (queue: string, id: string): string => `${KEY_PREFIX}:${queue}:worker:${id}`;
export const workersSetKey = (queue: string): string => `${KEY_PREFIX}:${queue}:workers`;

export const toB64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromB64 = (s: string): Uint8Array => {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
/** float32 arrays as little-endian bytes (every platform Node runs on is little-endian). */
export const f32ToB64 = (a: Float32Array): string => toB64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
export const f32FromB64 = (s: string): Float32Array => {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
};

const sha = (parts: (string | Uint8Array)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    h.update('\0');
  }
  return h.digest('hex');
};

/**
 * The job id of a request: a content hash of what decides its result (class, method, options,
 * the image and reference bytes), so that a resubmitted request joins the job already queued or
 * done instead of running again. Image names are left out (they are only echoed).
 */
export function detectJobId(req: DetectRequest): string {
  const head = JSON.stringify({ c: req.className, m: req.method, o: req.options ?? {}, n: req.images.length, r: req.normals?.length ?? 0 });
  return `d-${sha([head, ...req.images.map((i) => i.bytes), ...(req.normals ?? []).map((i) => i.bytes)]).slice(0, 40)}`;
}

export function tensorJobId(d: Omit<TensorJobData, 'pixels'>, pixels: Float32Array): string {
  const head = JSON.stringify({ c: d.className, d: d.domain, s: d.dataset ?? null, m: d.modelId, z: d.size, n: d.count });
  return `t-${sha([head, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength)]).slice(0, 40)}`;
}

/** A client-given id, checked: BullMQ ids may not be integers or contain ':'. */
export function clientJobId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) throw new RequestError(400, 'bad-job-id', `job id ${JSON.stringify(id.slice(0, 120))}: use 1 to 100 letters, digits, '_', '.' or '-'`);
  return `c-${id}`;
}

export const toWireImages = (images: readonly DetectImage[]): WireImage[] => images.map((i) => ({ b64: toB64(i.bytes), ...(i.name !== undefined ? { name: i.name } : {}) }));
export const fromWireImages = (images: readonly WireImage[]): DetectImage[] => images.map((i) => ({ bytes: fromB64(i.b64), ...(i.name !== undefined ? { name: i.name } : {}) }));

export function toJobResult(r: DetectResponse, worker: string): DetectJobResult {
  return { ...r, worker, results: r.results.map(({ mapPng, ...rest }) => ({ ...rest, ...(mapPng ? { mapPng: toB64(mapPng) } : {}) })) };
}

export function fromJobResult(r: DetectJobResult): DetectResponse & { worker: string } {
  return { ...r, results: r.results.map(({ mapPng, ...rest }) => ({ ...rest, ...(mapPng ? { mapPng: fromB64(mapPng) } : {}) })) };
}

/**
 * The failure a job records. A client's mistake (bad image, unknown class: a RequestError) fails
 * at once, never retried, and goes back to the client as the same 4xx; other errors are retried.
 */
const CLIENT_MARK = 'aaclip-request-error:';

export function encodeClientError(e: RequestError): string {
  return CLIENT_MARK + JSON.stringify({ status: e.status, code: e.code, message: e.message });
}

/** The RequestError a failed job's reason stands for, or null for a worker-side failure. */
export function decodeClientError(reason: string | undefined): RequestError | null {
  if (!reason?.startsWith(CLIENT_MARK)) return null;
  try {
    const o = JSON.parse(reason.slice(CLIENT_MARK.length)) as { status: number; code: string; message: string };
    return new RequestError(o.status, o.code, o.message);
  } catch {
    return null;
  }
}

// DetectEngine over a BullMQ queue: `aaclip serve --queue redis://...` runs no model; every
// request becomes a job (image bytes in the job data) that any `aaclip worker` takes.
//
//   client --HTTP--> serve (this engine) --add(jobId = content hash)--> Redis <--pull-- worker(s)
//          <-------- result <------------- QueueEvents / state poll <--------------- return value
import { BusyError, DETECT_METHODS, RequestError, type DetectEngine, type DetectRequest, type DetectResponse, type Readiness } from '../engine';
import { QueueClient, type QueueClientOptions } from './client';
import { QUEUE_DEFAULTS, clientJobId, detectJobId, fromJobResult, toWireImages, type DetectJobData, type DetectJobResult, type WorkerRecord } from './protocol';

export interface QueueEngineOptions extends QueueClientOptions {
  /** Jobs waiting before requests are refused with 429 (default 1000). */
  maxWaiting?: number;
  /** Interval of the readiness, class and depth refresh (default 1000 ms). */
  refreshMs?: number;
}

/** A request; its `jobId` (HTTP Idempotency-Key) names the job, else a content hash does. */
export type QueueDetectRequest = DetectRequest;

export interface QueueEngine extends DetectEngine {
  detect(req: QueueDetectRequest, signal?: AbortSignal): Promise<DetectResponse & { worker?: string }>;
  /** Jobs waiting for a worker at the last refresh. */
  queueDepth(): number;
  /** Seconds to advertise in Retry-After. */
  retryAfterS(): number;
  /** The workers' readiness records at the last refresh. */
  workers(): readonly WorkerRecord[];
  /** Refreshes readiness, classes and depth now. */
  refresh(): Promise<void>;
  readonly client: QueueClient;
}

/** Connects to Redis and returns the engine once the queue answers (rejects after 10 s). */
export async function createQueueEngine(o: QueueEngineOptions): Promise<QueueEngine> {
  const client = new QueueClient(o);
  try {
    await withTimeout(client.ready(), 10_000, `cannot reach Redis at ${redactUrl(o.url)} within 10 s`);
  } catch (e) {
    await client.close().catch(() => undefined);
    throw e;
  }
  const engine = new Engine(client, o);
  await engine.refresh();
  return engine;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(t));
}

class Engine implements QueueEngine {
  private state: { ready: Readiness; classes: string[]; backends: string[]; depth: number; workers: WorkerRecord[] } = {
    ready: { ok: false, reason: 'not refreshed yet' },
    classes: [],
    backends: [],
    depth: 0,
    workers: [],
  };
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  private closed = false;
  private readonly maxWaiting: number;

  constructor(
    readonly client: QueueClient,
    private readonly o: QueueEngineOptions,
  ) {
    this.maxWaiting = o.maxWaiting ?? QUEUE_DEFAULTS.maxWaiting;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), o.refreshMs ?? 1000);
    this.timer.unref();
  }

  async detect(req: QueueDetectRequest, signal?: AbortSignal): Promise<DetectResponse & { worker?: string }> {
    if (this.closed) throw new RequestError(503, 'shutting-down', 'the server is shutting down');
    if (!DETECT_METHODS.includes(req.method)) throw new RequestError(400, 'bad-method', `method must be one of ${DETECT_METHODS.join(', ')}, got ${JSON.stringify(req.method)}`);
    if (!req.images?.length) throw new RequestError(400, 'no-images', 'the request has no images');
    if (typeof req.className !== 'string' || !req.className.trim()) throw new RequestError(400, 'bad-class', 'className must be a non-empty string');
    const depth = await this.client.waiting();
    this.state.depth = depth;
    if (depth >= this.maxWaiting) throw new BusyError(`${depth} jobs are waiting for a worker (limit ${this.maxWaiting})`, this.retryAfterS());
    const t0 = Date.now();
    const data: DetectJobData = {
      kind: 'detect',
      className: req.className,
      method: req.method,
      ...(req.options ? { options: req.options } : {}),
      images: toWireImages(req.images),
      ...(req.normals?.length ? { normals: toWireImages(req.normals) } : {}),
    };
    const id = req.jobId !== undefined ? clientJobId(req.jobId) : detectJobId(req);
    const result = await this.client.run<DetectJobResult>('detect', data, id, signal);
    return { ...fromJobResult(result), ms: Date.now() - t0 };
  }

  classes(): readonly string[] {
    return this.state.classes;
  }

  ready(): Readiness {
    return this.closed ? { ok: false, reason: 'shutting down' } : this.state.ready;
  }

  backend(): string {
    return this.state.backends.length ? `queue (${this.state.backends.join(', ')})` : 'queue';
  }

  queueDepth(): number {
    return this.state.depth;
  }

  retryAfterS(): number {
    return Math.min(60, Math.max(1, Math.ceil(this.state.depth / Math.max(1, this.state.workers.filter((w) => w.ok).length) / 10)));
  }

  workers(): readonly WorkerRecord[] {
    return this.state.workers;
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const stale = Date.now() - 3 * QUEUE_DEFAULTS.heartbeatMs - 1000;
    try {
      const [all, depth] = await withTimeout(Promise.all([this.client.workers(), this.client.waiting()]), 5000, 'Redis did not answer within 5 s');
      const workers = all.filter((w) => w.at >= stale);
      const ok = workers.filter((w) => w.ok);
      this.state = {
        ready: ok.length
          ? { ok: true }
          : { ok: false, reason: `no ready worker on queue "${this.client.queueName}"${workers.length ? `: ${workers.map((w) => `${w.id}: ${w.reason ?? 'not ready'}`).join('; ')}` : ' (start one with aaclip worker --queue URL --model FILE)'}` },
        classes: [...new Set(ok.flatMap((w) => w.classes))].sort(),
        backends: [...new Set(ok.map((w) => w.backend))].sort(),
        depth,
        workers,
      };
    } catch (e) {
      this.state = { ...this.state, ready: { ok: false, reason: `Redis at ${redactUrl(this.o.url)} unreachable: ${(e as Error).message}` } };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.client.close();
  }
}

// The producer side of the queue, shared by `serve --queue` (queue-engine.ts) and `eval --queue`
// (eval-head.ts): put a job on the BullMQ queue under an idempotent id, wait for its result.
//
// A result is awaited two ways: QueueEvents (a Redis stream) wakes the waiter at once, and a poll
// of the job's state every `pollMs` catches what the stream missed (a reconnection) and re-adds a
// job that Redis lost (a restart without persistence): the producer keeps every waiting job's data.
import { hostname } from 'node:os';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { RequestError } from '../engine';
import { DEFAULT_QUEUE, KEY_PREFIX, QUEUE_DEFAULTS, decodeClientError, deadLetterQueue, workerKey, workersSetKey, type JobData, type WorkerRecord } from './protocol';

export interface QueueClientOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS) */
  url: string;
  /** Queue name (default 'detect'); workers must use the same. */
  queue?: string;
  /** Tries per job (default 3), the first retry delay in ms (default 1000, doubled per try). */
  attempts?: number;
  backoffMs?: number;
  /** Seconds results and failures are kept (default 3600): a resubmission within it gets the stored result. */
  resultTtlS?: number;
  /** Longest wait for one job's result (default 300 s): then the request fails with 504. */
  timeoutMs?: number;
  /** Interval of the state poll (default 1000 ms). */
  pollMs?: number;
}

interface Waiter {
  name: string;
  data: JobData;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** A producer connection: `run` a job and get its result. */
export class QueueClient {
  readonly queueName: string;
  readonly queue: Queue;
  readonly deadLetters: Queue;
  private readonly events: QueueEvents;
  /** Reads the workers' readiness records. */
  private readonly redis: Redis;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  private closed = false;
  private readonly o: Required<Omit<QueueClientOptions, 'queue'>>;

  constructor(opts: QueueClientOptions) {
    this.queueName = opts.queue ?? DEFAULT_QUEUE;
    this.o = {
      url: opts.url,
      attempts: opts.attempts ?? QUEUE_DEFAULTS.attempts,
      backoffMs: opts.backoffMs ?? QUEUE_DEFAULTS.backoffMs,
      resultTtlS: opts.resultTtlS ?? QUEUE_DEFAULTS.resultTtlS,
      timeoutMs: opts.timeoutMs ?? QUEUE_DEFAULTS.timeoutMs,
      pollMs: opts.pollMs ?? 1000,
    };
    // commands wait through a Redis restart (maxRetriesPerRequest null) instead of failing
    const connection = { url: opts.url, maxRetriesPerRequest: null, connectionName: `aaclip-producer-${hostname()}-${process.pid}` };
    this.queue = new Queue(this.queueName, { connection, prefix: KEY_PREFIX });
    this.deadLetters = new Queue(deadLetterQueue(this.queueName), { connection, prefix: KEY_PREFIX });
    this.events = new QueueEvents(this.queueName, { connection, prefix: KEY_PREFIX });
    // errors surface through the waits (timeouts) and ready(); an unhandled 'error' would kill the process
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.queue.on('error', () => undefined);
    this.deadLetters.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.redis.on('error', () => undefined);
    this.events.on('completed', ({ jobId }) => this.trySettle(jobId));
    this.events.on('failed', ({ jobId }) => this.trySettle(jobId));
    this.timer = setInterval(() => void this.poll(), this.o.pollMs);
    this.timer.unref();
  }

  /** Resolves when the queue and the event stream are connected. */
  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /**
   * Adds the job (or joins the one with this id: queued, running or done within the TTL) and
   * resolves with its return value. A job that failed with a client error rejects with that
   * RequestError; one that failed on every try is in the dead-letter queue and rejects with 502;
   * resubmitting it starts a fresh set of tries.
   */
  async run<R>(name: string, data: JobData, id: string, signal?: AbortSignal): Promise<R> {
    if (this.closed) throw new RequestError(503, 'closed', 'the queue client is closed');
    if (signal?.aborted) throw new RequestError(499, 'aborted', 'the request was aborted');
    const state = await this.queue.getJobState(id);
    if (state === 'completed') {
      const job = await Job.fromId(this.queue, id);
      if (job?.returnvalue) return job.returnvalue as R;
    } else if (state === 'failed') {
      const job = await Job.fromId(this.queue, id);
      const clientError = decodeClientError(job?.failedReason);
      if (clientError) throw clientError;
      await job?.remove().catch(() => undefined); // a fresh set of tries
    }
    return new Promise<R>((resolve, reject) => {
      const w: Waiter = { name, data, resolve: resolve as (v: unknown) => void, reject };
      const list = this.waiters.get(id) ?? [];
      list.push(w);
      this.waiters.set(id, list);
      const timeout = setTimeout(() => this.drop(id, w, new RequestError(504, 'timeout', `no result for job ${id} within ${this.o.timeoutMs / 1000} s (is a worker running on queue "${this.queueName}"?)`)), this.o.timeoutMs);
      const onAbort = (): void => this.drop(id, w, new RequestError(499, 'aborted', 'the request was aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
      };
      w.resolve = (v) => (done(), resolve(v as R));
      w.reject = (e) => (done(), reject(e));
      this.add(id, w).then(() => this.trySettle(id), (e: Error) => this.drop(id, w, e));
    });
  }

  private add(id: string, w: Waiter): Promise<unknown> {
    return this.queue.add(w.name, w.data, {
      jobId: id,
      attempts: this.o.attempts,
      backoff: { type: 'exponential', delay: this.o.backoffMs },
      removeOnComplete: { age: this.o.resultTtlS },
      removeOnFail: { age: this.o.resultTtlS },
    });
  }

  private drop(id: string, w: Waiter, e: Error): void {
    const list = this.waiters.get(id);
    if (!list) return;
    const rest = list.filter((x) => x !== w);
    if (rest.length) this.waiters.set(id, rest);
    else this.waiters.delete(id);
    if (rest.length !== list.length) w.reject(e);
  }

  /** settle() from an event: a Redis error leaves the job to the next poll. */
  private trySettle(id: string): void {
    this.settle(id).catch(() => undefined);
  }

  /** Resolves or rejects the waiters of a finished job; re-adds one Redis lost. */
  private async settle(id: string): Promise<void> {
    const list = this.waiters.get(id);
    if (!list?.length) return;
    // the state first, then the job: a job read first could finish in between without its result
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') {
      await this.add(id, list[0]!).catch(() => undefined); // lost (Redis restarted empty): queue it again
      return;
    }
    if (state !== 'completed' && state !== 'failed') return;
    const job = await Job.fromId(this.queue, id);
    if (!job) return; // removed meanwhile (TTL): the next poll adds it again
    if (this.waiters.get(id) !== list) return; // settled meanwhile
    this.waiters.delete(id);
    if (state === 'completed') {
      for (const w of list) w.resolve(job.returnvalue);
      return;
    }
    const clientError = decodeClientError(job.failedReason);
    if (!clientError) {
      // the worker dead-letters it on its last try; a worker that died right then has not: the same
      // job id makes this a no-op where it did
      await this.deadLetters
        .add(job.name, { id, data: list[0]!.data, failedReason: job.failedReason, attemptsMade: job.attemptsMade, worker: job.processedBy ?? null, failedAt: job.finishedOn ?? Date.now() }, { jobId: id })
        .catch(() => undefined);
    }
    const err = clientError ?? new RequestError(502, 'job-failed', `job ${id} failed on every try (${job.attemptsMade}): ${job.failedReason}; it is in the dead-letter queue "${deadLetterQueue(this.queueName)}"`);
    for (const w of list) w.reject(err);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.waiters.size === 0) return;
    this.polling = true;
    try {
      for (const id of [...this.waiters.keys()]) await this.settle(id);
    } catch {
      // Redis unreachable: the next poll tries again
    } finally {
      this.polling = false;
    }
  }

  /** The readiness records of the workers on this queue (expired ones dropped). */
  async workers(): Promise<WorkerRecord[]> {
    const client = this.redis;
    const ids = await client.smembers(workersSetKey(this.queueName));
    if (!ids.length) return [];
    const raw = await client.mget(...ids.map((i) => workerKey(this.queueName, i)));
    const out: WorkerRecord[] = [];
    const gone: string[] = [];
    raw.forEach((r, k) => {
      if (r) out.push(JSON.parse(r) as WorkerRecord);
      else gone.push(ids[k]!);
    });
    if (gone.length) await client.srem(workersSetKey(this.queueName), ...gone);
    return out;
  }

  /** Jobs waiting for a worker (waiting + prioritized + delayed retries). */
  waiting(): Promise<number> {
    return this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const [id, list] of this.waiters) for (const w of list) this.drop(id, w, new RequestError(503, 'closed', 'the queue client closed before the result came'));
    await Promise.all([this.events.close(), this.queue.close(), this.deadLetters.close()]);
    this.redis.disconnect();
  }
}

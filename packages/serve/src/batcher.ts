// Dynamic batching: images of concurrent requests that share a key (class + domain) run as one
// batch, up to `maxBatch` images, waiting at most `maxWaitMs` for company. One batch runs at a
// time (a tfjs backend runs one kernel stream; two batches at once would only interleave).
// Whole-request jobs (MuSc, few-shot) take their turn in the same order. The queue is bounded:
// past `maxQueue` waiting images, submit throws BusyError (HTTP 429).
import { BusyError } from './engine';

export interface BatcherOptions<T, R> {
  /** Most images per batch (1: no batching). */
  maxBatch: number;
  /** Longest wait for more images of the same key before a partial batch runs (ms). */
  maxWaitMs: number;
  /** Most images waiting (not running) before submit refuses. */
  maxQueue: number;
  /** Runs one batch of items sharing a key; returns one result per item, in order. */
  run: (key: string, items: T[]) => Promise<R[]>;
  /**
   * Images admitted but not yet submitted (being decoded): while there are some, a partial
   * batch waits for them up to `maxWaitMs` after the previous batch ended. Requests that arrive
   * while a batch runs are decoded only after it (the batch holds the thread).
   */
  preparing?: () => number;
  /** Called after each batch or job with its size (metrics). */
  onRun?: (info: { key: string; size: number; ms: number }) => void;
}

interface Pending<T, R> {
  key: string;
  item: T;
  enqueued: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
}

interface Exclusive {
  key: null;
  cost: number;
  enqueued: number;
  start: () => Promise<void>;
}

type Entry<T, R> = Pending<T, R> | Exclusive;

export class Batcher<T, R> {
  private readonly queue: Entry<T, R>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private waiting = 0; // images waiting
  private idle: (() => void)[] = [];
  private msPerImage = 0; // moving average, for Retry-After
  private flushing = false;
  private lastEnd = 0; // when the previous batch ended

  constructor(private readonly o: BatcherOptions<T, R>) {
    if (!(Number.isInteger(o.maxBatch) && o.maxBatch >= 1)) throw new RangeError(`maxBatch must be an integer >= 1, got ${o.maxBatch}`);
    if (!(o.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be >= 0, got ${o.maxWaitMs}`);
    if (!(Number.isInteger(o.maxQueue) && o.maxQueue >= 1)) throw new RangeError(`maxQueue must be an integer >= 1, got ${o.maxQueue}`);
  }

  /** Images waiting to run. */
  get depth(): number {
    return this.waiting;
  }

  /** Seconds a client should wait before retrying when the queue is full (at least 1). */
  retryAfterS(): number {
    return Math.max(1, Math.ceil((this.waiting * this.msPerImage) / 1000));
  }

  private admit(n: number): void {
    if (this.waiting + n > this.o.maxQueue) {
      throw new BusyError(`the server is busy: ${this.waiting} images are waiting (limit ${this.o.maxQueue}); retry later`, this.retryAfterS());
    }
    this.waiting += n;
  }

  /** Queues the items of one request under `key`; resolves with their results in order. */
  submit(key: string, items: T[], signal?: AbortSignal): Promise<R[]> {
    this.admit(items.length);
    const now = performance.now();
    const all = items.map((item) => new Promise<R>((resolve, reject) => this.queue.push({ key, item, enqueued: now, resolve, reject, signal })));
    this.pump();
    return Promise.all(all);
  }

  /** Runs `fn` alone, in queue order (a whole-request job of `cost` images). */
  exclusive<X>(cost: number, fn: () => Promise<X>): Promise<X> {
    this.admit(cost);
    return new Promise<X>((resolve, reject) => {
      this.queue.push({ key: null, cost, enqueued: performance.now(), start: () => fn().then(resolve, reject) });
      this.pump();
    });
  }

  /** From now on, runs what is queued without waiting for company (shutdown). */
  flush(): void {
    this.flushing = true;
    this.pump();
  }

  /** Resolves when nothing is waiting or running. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    if (this.running) return;
    // items whose client went away never run
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const e = this.queue[i]!;
      if (e.key !== null && e.signal?.aborted) {
        this.queue.splice(i, 1);
        this.waiting--;
        e.reject(e.signal.reason ?? new Error('aborted'));
      }
    }
    const head = this.queue[0];
    if (!head) {
      for (const r of this.idle.splice(0)) r();
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (head.key === null) {
      this.queue.shift();
      this.waiting -= head.cost;
      void this.runExclusive(head);
      return;
    }
    const same = this.queue.filter((e): e is Pending<T, R> => e.key === head.key);
    const now = performance.now();
    const waited = now - Math.max(head.enqueued, this.lastEnd);
    const more = now - head.enqueued < this.o.maxWaitMs || (this.o.preparing?.() ?? 0) > 0;
    if (!this.flushing && same.length < this.o.maxBatch && waited < this.o.maxWaitMs && more) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, Math.ceil(this.o.maxWaitMs - waited));
      return;
    }
    const batch = same.slice(0, this.o.maxBatch);
    for (const e of batch) this.queue.splice(this.queue.indexOf(e), 1);
    this.waiting -= batch.length;
    void this.runBatch(head.key, batch);
  }

  private async runExclusive(job: Exclusive): Promise<void> {
    this.running = true;
    const t0 = performance.now();
    try {
      await job.start();
    } finally {
      this.finish('exclusive', job.cost, t0);
    }
  }

  private async runBatch(key: string, batch: Pending<T, R>[]): Promise<void> {
    this.running = true;
    const t0 = performance.now();
    try {
      const results = await this.o.run(key, batch.map((e) => e.item));
      batch.forEach((e, i) => e.resolve(results[i]!));
    } catch (err) {
      for (const e of batch) e.reject(err);
    } finally {
      this.finish(key, batch.length, t0);
    }
  }

  private finish(key: string, size: number, t0: number): void {
    const ms = performance.now() - t0;
    this.msPerImage = this.msPerImage === 0 ? ms / size : 0.8 * this.msPerImage + 0.2 * (ms / size);
    this.running = false;
    this.lastEnd = performance.now();
    this.o.onRun?.({ key, size, ms });
    this.pump();
  }
}

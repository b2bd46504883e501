// The queue against a real Redis (Debian's redis-server on a free port, test-utils/redis.ts) with
// workers in this process: round trip, idempotent ids, client errors, retries and the dead-letter
// queue, a worker whose model cannot load, and a Redis restart in the middle of a run. Real worker
// processes (SIGKILL, two backends) are in worker-process.test.ts.
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../../../test-utils/redis';
import { RequestError, type DetectEngine, type DetectRequest, type DetectResponse } from '../engine';
import { buildServer } from '../server';
import { KEY_PREFIX, deadLetterQueue } from './protocol';
import { createQueueEngine, type QueueEngine } from './queue-engine';
import { runWorker, type QueueWorker } from './worker';
import { workerCommand } from './worker-command';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

/** A stand-in for the model: the score of an image is its byte sum / 1000; 'poison' always throws. */
function fakeEngine(opts: { delayMs?: number; calls?: string[] } = {}): DetectEngine {
  return {
    async detect(req: DetectRequest): Promise<DetectResponse> {
      opts.calls?.push(`${req.className}:${req.images.map((i) => i.name).join(',')}`);
      if (req.className === 'unknown') throw new RequestError(400, 'unknown-class', 'unknown class "unknown"');
      if (req.className === 'poison') throw new Error('worker-side failure');
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      return {
        className: req.className,
        method: req.method,
        backend: 'fake',
        ms: 1,
        results: req.images.map((im) => {
          const s = im.bytes.reduce((a, b) => a + b, 0) / 1000;
          return { name: im.name, score: s, imageScore: s, mapMax: s, size: 4, mapPng: Uint8Array.from([1, 2, 3]) };
        }),
      };
    },
    classes: () => ['carpet', 'poison', 'unknown'],
    ready: () => ({ ok: true }),
    backend: () => 'fake',
    close: async () => undefined,
  };
}

const req = (name: string, bytes: number[], className = 'carpet'): DetectRequest => ({ className, method: 'aaclip', images: [{ bytes: Uint8Array.from(bytes), name }] });

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('queue engine and worker (in process, real Redis)', () => {
  it('round-trips a request, reports readiness and classes, and answers a resubmission from the stored result', async () => {
    const queue = 'rt';
    const engine = await createQueueEngine({ url: redis.url, queue, refreshMs: 100 });
    expect(engine.ready().ok).toBe(false);
    expect((engine.ready() as { reason: string }).reason).toMatch(/no ready worker on queue "rt"/);
    const calls: string[] = [];
    const w = await runWorker({ url: redis.url, queue, model: 'fake', id: 'w1', engine: async () => fakeEngine({ calls }), log: () => undefined });
    try {
      await engine.refresh();
      expect(engine.ready()).toEqual({ ok: true });
      expect(engine.classes()).toEqual(['carpet', 'poison', 'unknown']);
      expect(engine.backend()).toBe('queue (fake)');
      const r = await engine.detect(req('a.png', [1, 2, 3, 250]));
      expect(r.worker).toBe('w1');
      expect(r.results).toHaveLength(1);
      expect(r.results[0]!.name).toBe('a.png');
      expect(r.results[0]!.score).toBeCloseTo(0.256, 12);
      expect(Array.from(r.results[0]!.mapPng!)).toEqual([1, 2, 3]); // bytes survive base64
      // same request again, and twice at once: the one job's stored result, no second run
      const again = await Promise.all([engine.detect(req('a.png', [1, 2, 3, 250])), engine.detect(req('a.png', [1, 2, 3, 250]))]);
      expect(again.map((x) => x.results[0]!.score)).toEqual([0.256, 0.256]);
      expect(calls).toEqual(['carpet:a.png']);
      // other bytes, other job; a client-given id is the job id whatever the bytes
      await engine.detect(req('b.png', [9]));
      const c1 = await engine.detect({ ...req('c.png', [7]), jobId: 'order-17' });
      const c2 = await engine.detect({ ...req('c.png', [8]), jobId: 'order-17' });
      expect(c2.results[0]!.score).toBe(c1.results[0]!.score);
      expect(calls).toEqual(['carpet:a.png', 'carpet:b.png', 'carpet:c.png']);
      await expect(engine.detect({ ...req('c.png', [8]), jobId: 'bad:id' })).rejects.toMatchObject({ status: 400, code: 'bad-job-id' });
      expect(w.completed()).toBe(3);
    } finally {
      await w.close();
      await engine.close();
    }
  });

  it('answers a client error at once (never retried) and dead-letters a job that fails on every try', async () => {
    const queue = 'dlq';
    const calls: string[] = [];
    const engine = await createQueueEngine({ url: redis.url, queue, attempts: 3, backoffMs: 20 });
    const w = await runWorker({ url: redis.url, queue, model: 'fake', engine: async () => fakeEngine({ calls }), log: () => undefined });
    const dead = new Queue(deadLetterQueue(queue), { connection: { url: redis.url }, prefix: KEY_PREFIX });
    try {
      await expect(engine.detect(req('u.png', [1], 'unknown'))).rejects.toMatchObject({ name: 'RequestError', status: 400, code: 'unknown-class', message: 'unknown class "unknown"' });
      expect(calls.filter((c) => c.startsWith('unknown'))).toHaveLength(1);
      // resubmitted: answered from the kept failure, not run again
      await expect(engine.detect(req('u.png', [1], 'unknown'))).rejects.toMatchObject({ status: 400 });
      expect(calls.filter((c) => c.startsWith('unknown'))).toHaveLength(1);

      const err = await engine.detect(req('p.png', [5], 'poison')).catch((e: RequestError) => e);
      expect(err).toBeInstanceOf(RequestError);
      expect((err as RequestError).status).toBe(502);
      expect((err as RequestError).message).toMatch(/failed on every try \(3\): worker-side failure; it is in the dead-letter queue "dlq-dead"/);
      expect(calls.filter((c) => c.startsWith('poison'))).toHaveLength(3);
      await until(async () => (await dead.getJobCounts('waiting')).waiting === 1, 'the dead letter');
      const [letter] = await dead.getJobs(['waiting']);
      expect(letter!.data).toMatchObject({ failedReason: 'worker-side failure', attemptsMade: 3, data: { kind: 'detect', className: 'poison' } });
      expect(letter!.id).toBe(letter!.data.id);
      // resubmitting a dead-lettered request gives it a fresh set of tries
      await expect(engine.detect(req('p.png', [5], 'poison'))).rejects.toMatchObject({ status: 502 });
      expect(calls.filter((c) => c.startsWith('poison'))).toHaveLength(6);
    } finally {
      await dead.close();
      await w.close();
      await engine.close();
    }
  });

  it('a worker whose model cannot load takes no jobs and says why; a good worker then takes the job', async () => {
    const queue = 'bad-model';
    const engine = await createQueueEngine({ url: redis.url, queue, refreshMs: 100 });
    const events: Record<string, unknown>[] = [];
    const bad = await runWorker({ url: redis.url, queue, model: '/nonexistent/model.safetensors', device: 'cpu', id: 'bad', log: (e) => events.push(e) });
    let good: QueueWorker | null = null;
    try {
      expect(bad.ready.ok).toBe(false);
      expect((bad.ready as { reason: string }).reason).toMatch(/^cannot load model \/nonexistent\/model\.safetensors: .*nonexistent/);
      expect(events).toEqual([expect.objectContaining({ level: 'error', event: 'model-failed' })]);
      await engine.refresh();
      const ready = engine.ready() as { ok: false; reason: string };
      expect(ready.ok).toBe(false);
      expect(ready.reason).toMatch(/^no ready worker on queue "bad-model": bad: cannot load model \/nonexistent\/model\.safetensors/);
      expect(engine.workers().map((w) => [w.id, w.ok])).toEqual([['bad', false]]);
      const pending = engine.detect(req('x.png', [3]));
      await until(async () => (await engine.client.queue.getJobCounts('waiting')).waiting === 1, 'the job to wait');
      // nobody takes it while only the bad worker runs
      await new Promise((r) => setTimeout(r, 500));
      expect(await engine.client.queue.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 1, active: 0, completed: 0 });
      good = await runWorker({ url: redis.url, queue, model: 'fake', id: 'good', engine: async () => fakeEngine(), log: () => undefined });
      expect((await pending).worker).toBe('good');
      await engine.refresh();
      expect(engine.ready()).toEqual({ ok: true });
    } finally {
      await good?.close();
      await bad.close();
      await engine.close();
    }
  });

  it('finishes every job when Redis restarts empty in the middle of a run', async () => {
    const queue = 'restart';
    const engine = await createQueueEngine({ url: redis.url, queue, pollMs: 200 });
    const w = await runWorker({ url: redis.url, queue, model: 'fake', engine: async () => fakeEngine({ delayMs: 100 }), log: () => undefined });
    try {
      const all = Array.from({ length: 12 }, (_, i) => engine.detect(req(`${i}.png`, [i, 1])));
      await until(() => w.completed() >= 3, 'three jobs done');
      await redis.restart({ downMs: 300 }); // no persistence: queued jobs, results and records are gone
      const results = await Promise.all(all);
      expect(results.map((r) => r.results[0]!.name)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}.png`));
      expect(results.map((r) => r.results[0]!.score)).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) / 1000));
      // the worker is back in the readiness records after its next heartbeat
      await until(async () => (await engine.refresh(), engine.ready().ok), 'the worker record');
    } finally {
      await w.close();
      await engine.close();
    }
  });

  it('serves HTTP through the queue: /readyz says why until a worker is ready, /v1/detect returns its result', async () => {
    const queue = 'http';
    const engine = await createQueueEngine({ url: redis.url, queue, refreshMs: 100 });
    const app = await buildServer({ engine });
    let w: QueueWorker | null = null;
    try {
      const before = await app.inject({ method: 'GET', url: '/readyz' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({ ready: false, backend: 'queue', reason: expect.stringMatching(/^no ready worker on queue "http"/) });
      w = await runWorker({ url: redis.url, queue, model: 'fake', id: 'hw', engine: async () => fakeEngine(), log: () => undefined });
      await engine.refresh();
      expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ ready: true, backend: 'queue (fake)', queueDepth: 0 });
      expect((await app.inject({ method: 'GET', url: '/v1/classes' })).json()).toEqual({ classes: ['carpet', 'poison', 'unknown'] });
      const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
      const res = await app.inject({ method: 'POST', url: '/v1/detect?className=carpet', headers: { 'content-type': 'image/png' }, payload: png });
      expect(res.statusCode, res.body).toBe(200);
      const sum = png.reduce((a, b) => a + b, 0) / 1000;
      expect(res.json()).toMatchObject({ className: 'carpet', method: 'aaclip', backend: 'fake', results: [{ score: sum, mapPng: Buffer.from([1, 2, 3]).toString('base64') }] });
      // an Idempotency-Key names the job: the second request (other bytes) gets the first one's result
      const png2 = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 20, b: 30 } } }).png().toBuffer();
      const k1 = await app.inject({ method: 'POST', url: '/v1/detect?className=carpet', headers: { 'content-type': 'image/png', 'idempotency-key': 'line-4.frame-17' }, payload: png });
      const k2 = await app.inject({ method: 'POST', url: '/v1/detect?className=carpet', headers: { 'content-type': 'image/png', 'idempotency-key': 'line-4.frame-17' }, payload: png2 });
      expect(k2.json().results[0].score).toBe(k1.json().results[0].score);
      expect(w.completed()).toBe(2);
      const bad = await app.inject({ method: 'POST', url: '/v1/detect?className=unknown', headers: { 'content-type': 'image/png' }, payload: png });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: 'unknown-class', message: 'unknown class "unknown"' });
    } finally {
      await w?.close();
      await app.close();
    }
  });

  it('aaclip worker: flag mistakes are usage errors (exit code 2) naming the flag, before any connection', async () => {
    const run = (argv: string[]) => workerCommand(argv, { defaultModel: () => 'unused.safetensors' });
    await expect(run([])).rejects.toMatchObject({ exitCode: 2, message: '--queue URL is required (redis://host:port of the queue that aaclip serve --queue uses)' });
    await expect(run(['--queue', 'http://127.0.0.1:6379'])).rejects.toMatchObject({ exitCode: 2, message: '--queue must be a redis:// or rediss:// URL, got "http://127.0.0.1:6379"' });
    await expect(run(['--queue', 'redis://:secret@h:1/0x', '--queue-name', 'a:b'])).rejects.toMatchObject({ exitCode: 2, message: /^--queue-name: use 1 to 64 letters/ });
    await expect(run(['--queue', redis.url, '--concurrency', '0'])).rejects.toMatchObject({ exitCode: 2, message: '--concurrency must be an integer from 1 to 256, got "0"' });
    await expect(run(['--queue', redis.url, '--lock-ms', '10'])).rejects.toMatchObject({ exitCode: 2, message: '--lock-ms must be an integer from 1000 to 3600000, got "10"' });
    await expect(run(['--queue', redis.url, '--bogus'])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/bogus.*\(aaclip worker --help\)$/) });
  });
});

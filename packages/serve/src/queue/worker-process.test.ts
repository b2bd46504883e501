// Real worker processes (node on the built JS, the demo model) against a real Redis: a worker
// killed with SIGKILL in the middle of a job, whose job then completes on another worker with
// nothing lost and nothing done twice; and two workers on different backends (wasm and cpu)
// giving the same results.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../../test-utils/fixtures';
import { startRedis, type TestRedis } from '../../../../test-utils/redis';
import type { DetectRequest } from '../engine';
import { createQueueEngine } from './queue-engine';

const SERVE_DIST = join(repoRoot, 'packages/serve/dist/index.js');
const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
let redis: TestRedis;
let dir: string;
let script: string;
const children = new Set<ChildProcess>();

/** A worker process; `events` collects its JSON log lines. */
interface Proc {
  child: ChildProcess;
  events: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(args: string[]): Proc {
  const child = spawn(process.execPath, [script, '--queue', redis.url, '--model', MODEL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const events: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code) console.error(err);
      r({ code, signal });
    }),
  );
  return { child, events, exited };
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ids = (p: Proc, event: string): string[] => p.events.filter((e) => e.event === event).map((e) => String(e.jobId));

/** `n` distinct 128 px carpet textures as PNG bytes. */
async function pngs(n: number, seed: number): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t = generateTexture('carpet', 128, seed + i);
      return new Uint8Array(await sharp(Buffer.from(t.data), { raw: { width: 128, height: 128, channels: 3 } }).png().toBuffer());
    }),
  );
}

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'aaclip-queue-'));
  script = join(dir, 'worker.mjs');
  writeFileSync(
    script,
    `const { workerCommand } = await import(${JSON.stringify(SERVE_DIST)});\nprocess.exit(await workerCommand(process.argv.slice(2), { defaultModel: () => ${JSON.stringify(MODEL)} }));\n`,
  );
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('worker processes (demo model, real Redis)', () => {
  it('a job whose worker is killed with SIGKILL completes on another worker; nothing lost, nothing done twice', async () => {
    const queue = 'kill';
    const engine = await createQueueEngine({ url: redis.url, queue, pollMs: 200 });
    const a = startWorker(['--queue-name', queue, '--backend', 'wasm', '--id', 'A', '--lock-ms', '5000', '--stalled-ms', '500']);
    let b: Proc | null = null;
    try {
      // 6 jobs of 8 images each: long enough to be killed in the middle of one
      const reqs: DetectRequest[] = [];
      for (let j = 0; j < 6; j++) reqs.push({ className: 'carpet', method: 'aaclip', images: (await pngs(8, 100 * j)).map((bytes, i) => ({ bytes, name: `${j}-${i}.png` })) });
      const all = reqs.map((r) => engine.detect(r));
      for (const p of all) p.catch(() => undefined); // awaited below
      // kill A while it runs its second job
      await until(() => ids(a, 'job-completed').length >= 1 && ids(a, 'job-started').length >= 2, 'A to start its second job');
      a.child.kill('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');
      const doneByA = ids(a, 'job-completed');
      const killedJob = ids(a, 'job-started').find((id) => !doneByA.includes(id))!;
      expect(killedJob).toBeDefined();
      b = startWorker(['--queue-name', queue, '--backend', 'wasm', '--id', 'B', '--lock-ms', '5000', '--stalled-ms', '500']);
      const results = await Promise.all(all);
      // every request has its 8 results, in order
      results.forEach((r, j) => expect(r.results.map((x) => x.name)).toEqual(Array.from({ length: 8 }, (_, i) => `${j}-${i}.png`)));
      const doneByB = ids(b, 'job-completed');
      // the killed job was finished by B; A's finished jobs were not run again
      expect(doneByB).toContain(killedJob);
      expect(doneByB.filter((id) => doneByA.includes(id))).toEqual([]);
      expect(new Set([...doneByA, ...doneByB]).size).toBe(6);
      expect(doneByA.length + doneByB.length).toBe(6);
      expect(results.filter((r) => r.worker === 'A').length).toBe(doneByA.length);
      expect(await engine.client.queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: 6, failed: 0, waiting: 0, active: 0 });
      b.child.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
      expect(b.events.at(-1)).toMatchObject({ event: 'worker-closed', completed: doneByB.length });
    } finally {
      a.child.kill('SIGKILL');
      b?.child.kill('SIGKILL');
      await engine.close();
    }
  });

  it('workers on wasm and on cpu give the same scores (within 2e-6)', async () => {
    const images = (await pngs(4, 7)).map((bytes, i) => ({ bytes, name: `${i}.png` }));
    const out: Record<string, { score: number; imageScore: number; mapMax: number }[]> = {};
    const procs = ['wasm', 'cpu'].map((backend) => ({ backend, p: startWorker(['--queue-name', `be-${backend}`, '--backend', backend, '--id', backend]) }));
    try {
      await Promise.all(
        procs.map(async ({ backend }) => {
          const engine = await createQueueEngine({ url: redis.url, queue: `be-${backend}` });
          try {
            const r = await engine.detect({ className: 'carpet', method: 'aaclip', images, options: { maps: false } });
            expect(r.backend).toBe(backend);
            expect(r.worker).toBe(backend);
            out[backend] = r.results.map(({ score, imageScore, mapMax }) => ({ score, imageScore, mapMax }));
          } finally {
            await engine.close();
          }
        }),
      );
      expect(out.wasm).toHaveLength(4);
      out.wasm!.forEach((w, i) => {
        const c = out.cpu![i]!;
        expect(Math.abs(w.score - c.score)).toBeLessThanOrEqual(2e-6);
        expect(Math.abs(w.imageScore - c.imageScore)).toBeLessThanOrEqual(2e-6);
        expect(Math.abs(w.mapMax - c.mapMax)).toBeLessThanOrEqual(2e-6);
      });
    } finally {
      for (const { p } of procs) p.child.kill('SIGTERM');
      for (const { p } of procs) expect((await p.exited).code).toBe(0);
    }
  });
});

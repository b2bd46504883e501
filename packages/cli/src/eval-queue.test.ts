// `aaclip eval --queue`: a dataset's detections spread over two `aaclip worker` processes through
// a real Redis (test-utils/redis.ts) give the same report as `aaclip eval` in one process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../test-utils/fixtures';
import { startRedis, type TestRedis } from '../../../test-utils/redis';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
let redis: TestRedis;
let dir: string;
const children = new Set<ChildProcess>();

function run(args: string[], onLine?: (line: string) => void): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AACLIP_BACKEND: 'wasm' } });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    if (onLine) for (const l of String(d).split('\n')) if (l) onLine(l);
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => {
      children.delete(child);
      r({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'aaclip-evalq-'));
  const png = (data: Uint8Array, ch: 1 | 3) => sharp(Buffer.from(data), { raw: { width: 128, height: 128, channels: ch } }).png();
  for (const [cls, family] of [['carpet', 'carpet'], ['wood', 'wood']] as const) {
    const root = join(dir, 'data', cls);
    for (const d of ['train/good', 'test/good', 'test/crack', 'ground_truth/crack']) mkdirSync(join(root, d), { recursive: true });
    for (let i = 0; i < 4; i++) {
      await png(generateTexture(family, 128, 10 + i).data, 3).toFile(join(root, 'test/good', `${i}.png`));
      const d = addDefect(generateTexture(family, 128, 20 + i), 'crack', 30 + i);
      await png(d.image.data, 3).toFile(join(root, 'test/crack', `${i}.png`));
      await png(d.mask.map((v) => v * 255), 1).toFile(join(root, 'ground_truth/crack', `${i}_mask.png`));
    }
  }
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('aaclip eval --queue', () => {
  it('spreads the detections over two workers and writes the same report as one process', async () => {
    const common = ['eval', '--data', join(dir, 'data'), '--dataset', 'mvtec', '--model', MODEL, '--batch', '2', '--json'];
    const ready: string[] = [];
    const jobs: string[] = [];
    const workers = ['w1', 'w2'].map((id) =>
      run(['worker', '--queue', redis.url, '--model', MODEL, '--backend', 'wasm', '--id', id], (l) => {
        if (l.includes('"worker-ready"')) ready.push(id);
        if (l.includes('"job-completed"')) jobs.push(id);
      }),
    );
    // the workers start while the reference evaluation runs in one process
    const local = await run([...common, '--out', join(dir, 'local')]).done;
    expect(local.code, local.stderr).toBe(0);
    const end = Date.now() + 120_000;
    while (ready.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(ready.sort()).toEqual(['w1', 'w2']);
    const queued = await run([...common, '--out', join(dir, 'queued'), '--queue', redis.url]).done;
    expect(queued.code, queued.stderr).toBe(0);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.done).code).toBe(0);

    const a = JSON.parse(local.stdout) as { classes: unknown[]; average: unknown };
    const b = JSON.parse(queued.stdout) as { classes: unknown[]; average: unknown };
    expect(a.classes).toHaveLength(2);
    expect(b.classes).toEqual(a.classes); // every metric of every class, exactly
    expect(b.average).toEqual(a.average);
    const ra = JSON.parse(readFileSync(join(dir, 'local', 'report.json'), 'utf8')) as { classes: { histogram: unknown; metrics: unknown }[] };
    const rb = JSON.parse(readFileSync(join(dir, 'queued', 'report.json'), 'utf8')) as typeof ra;
    expect(rb.classes.map((c) => [c.metrics, c.histogram])).toEqual(ra.classes.map((c) => [c.metrics, c.histogram]));
    // 16 test images in batches of 2: 8 jobs, all run by the workers
    expect(jobs).toHaveLength(8);
  });
});

// The worker pool against the single-thread detector, on the demo model, once per backend
// (the workers run the backend of the test project). Needs the built worker (npm test builds).
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeClip, type AAClipDetector, type Detection } from '@aaclip/core';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../../test-utils/fixtures';
import { useBackend, type NodeBackendName } from '../backend';
import { loadDetector } from '../model-bundle';
import { loadClip } from '../weights-io';
import { createDetectorPool, type DetectorPool } from './detector-pool';

const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
const BACKEND = (process.env.AACLIP_TEST_BACKEND ?? 'cpu') as NodeBackendName;
const SIZE = 64;
const FAMILIES = ['noise', 'carpet', 'circuit', 'dots'] as const;
// the pure-JS cpu backend is ~30x slower than wasm: fewer images there
const COUNT = BACKEND === 'cpu' ? 3 : 5;
const images = Array.from({ length: COUNT }, (_, i) => normalizeClip(addDefect(generateTexture(FAMILIES[i % 4]!, SIZE, i + 1), 'spot', i + 7).image));

function stack(list: Float32Array[]): tf.Tensor4D {
  const all = new Float32Array(list.length * SIZE * SIZE * 3);
  list.forEach((a, i) => all.set(a, i * SIZE * SIZE * 3));
  return tf.tensor4d(all, [list.length, SIZE, SIZE, 3]);
}

function expectIdentical(got: Detection[], want: Detection[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.size).toBe(w.size);
    // bit for bit: Buffer.compare on the raw bytes (toEqual would accept -0 vs 0 and NaN vs NaN)
    const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
    expect(same(g.anomalyMap, w.anomalyMap)).toBe(true);
    expect(same(g.probabilityMap, w.probabilityMap)).toBe(true);
    expect(Object.is(g.imageScore, w.imageScore)).toBe(true);
    expect(Object.is(g.mapMax, w.mapMax)).toBe(true);
    expect(Object.is(g.score, w.score)).toBe(true);
    expect(g.levelMaps?.length).toBe(w.levelMaps?.length);
    g.levelMaps?.forEach((l, j) => expect(same(l, w.levelMaps![j]!)).toBe(true));
  });
}

describe(`DetectorPool (${BACKEND})`, () => {
  let detector: AAClipDetector;
  let pool: DetectorPool;
  const warnings: string[] = [];

  beforeAll(async () => {
    // as a user would, and as each worker does: on wasm this plugs in the own GEMM engine, whose
    // float32 rounding (fused multiply-adds) differs from XNNPACK's, so both sides must use it
    await useBackend(BACKEND);
    ({ detector } = await loadDetector({ model: MODEL }));
    pool = await createDetectorPool({ model: MODEL, workers: 2, backend: BACKEND, onWarning: (m) => warnings.push(m) });
  });
  afterAll(async () => {
    detector?.dispose();
    await pool?.dispose();
  });

  it('returns the single-thread detector results bit for bit (stored and computed anchors)', async () => {
    expect(pool.size).toBe(2);
    expect(pool.backend).toBe(BACKEND);
    expect(pool.storedClasses).toContain('tiles');
    for (const className of ['tiles', 'noise']) {
      // 'tiles' has anchors stored in the model; 'noise' is computed by worker 0 and sent to worker 1
      const input = stack(images);
      const want = await detector.detect(input, { className, levelMaps: true });
      input.dispose();
      const got = await pool.detect(images, { className, levelMaps: true });
      expectIdentical(got, want);
    }
    // the anchors the pool computed are the detector's
    const a = await pool.anchors('noise');
    expect(a.shape).toEqual([...detector.anchors('noise').shape]);
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from((detector.anchors('noise').dataSync() as Float32Array).buffer))).toBe(0);
  });

  it('accepts a tensor or a { shape, data } batch, and a domain', async () => {
    const input = stack(images.slice(0, 3));
    const want = await detector.detect(input, { className: 'tiles', domain: 'medical' });
    expectIdentical(await pool.detect(input, { className: 'tiles', domain: 'medical' }), want);
    expectIdentical(await pool.detect({ shape: input.shape, data: input.dataSync() as Float32Array }, { className: 'tiles', domain: 'medical' }), want);
    input.dispose();
  });

  it('gives the same results whatever the split (maxBatch) and with one worker', async () => {
    const input = stack(images);
    const want = await detector.detect(input, { className: 'tiles' });
    input.dispose();
    const other = await createDetectorPool({ model: MODEL, workers: 1, backend: BACKEND, maxBatch: 3 });
    try {
      expectIdentical(await other.detect(images, 'tiles'), want);
    } finally {
      await other.dispose();
    }
  });

  it('runs concurrent calls to completion, each with its own results', async () => {
    const [a, b] = await Promise.all([pool.detect(images.slice(0, 2), 'tiles'), pool.detect(images.slice(2, COUNT), 'noise')]);
    const ia = stack(images.slice(0, 2));
    const ib = stack(images.slice(2, COUNT));
    expectIdentical(a, await detector.detect(ia, { className: 'tiles' }));
    expectIdentical(b, await detector.detect(ib, { className: 'noise' }));
    tf.dispose([ia, ib]);
  });

  it("rejects with the worker's own message and keeps working", async () => {
    const tiny = [new Float32Array(4 * 4 * 3)]; // smaller than the 8-px patch: the model throws in the worker
    await expect(pool.detect(tiny, 'tiles')).rejects.toThrow(/image size 4 is smaller than the patch size 8/);
    await expect(pool.detect([images[0]!, new Float32Array(10)], 'tiles')).rejects.toThrow(/image 1 has 10 values/);
    await expect(pool.detect(images, '')).rejects.toThrow(/className must be a non-empty string/);
    await expect(pool.detect(images, { className: 'tiles', domain: 'space' as never })).rejects.toThrow(/domain must be/);
    const [r] = await pool.detect(images.slice(0, 1), 'tiles');
    expect(Number.isFinite(r!.score)).toBe(true);
  });

  it('leaks no tensors in the workers', async () => {
    await pool.detect(images, 'tiles');
    const before = await pool.memory();
    for (let i = 0; i < (BACKEND === 'cpu' ? 2 : 5); i++) await pool.detect(images, { className: 'noise', levelMaps: true });
    await pool.detect([new Float32Array(4 * 4 * 3)], 'tiles').catch(() => undefined);
    const after = await pool.memory();
    expect(after.map((m) => m.numTensors)).toEqual(before.map((m) => m.numTensors));
    // worker 0 holds the text tower, worker 1 the vision tower only
    expect(after[1]!.numBytes).toBeLessThan(after[0]!.numBytes);
  });

  it('loads the vision tower only when asked', async () => {
    const { clip, config } = await loadClip(MODEL, { visionOnly: true });
    expect(config.text).toBeUndefined();
    expect(clip.text).toBeNull();
    clip.dispose();
  });
});

describe(`DetectorPool lifecycle (${BACKEND})`, () => {
  it('dispose() terminates the workers and rejects calls in flight and after', async () => {
    const pool = await createDetectorPool({ model: MODEL, workers: 2, backend: BACKEND });
    // (a handler from the start: tfjs-wasm turns an unhandled rejection into a crash)
    const inflight = pool.detect(images, 'tiles').then(
      () => null,
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 20)); // let the tasks reach the workers
    await pool.dispose();
    expect((await inflight)?.message).toMatch(/DetectorPool: disposed/);
    await expect(pool.detect(images, 'tiles')).rejects.toThrow(/after dispose/);
    await pool.dispose(); // idempotent
  });

  it('rejects creation with the reader error of a bad file, and with a worker that dies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaclip-pool-'));
    try {
      await expect(createDetectorPool({ model: join(dir, 'missing.safetensors'), workers: 1 })).rejects.toThrow(/not found/);
      const bad = join(dir, 'bad.safetensors');
      writeFileSync(bad, Buffer.from('not a weights file at all, just some text'));
      await expect(createDetectorPool({ model: bad, workers: 2, backend: BACKEND })).rejects.toThrow(/not a safetensors file/);
      const dies = join(dir, 'dies.mjs');
      writeFileSync(dies, 'process.exit(3);\n');
      await expect(createDetectorPool({ model: MODEL, workers: 2, backend: BACKEND, workerFile: dies })).rejects.toThrow(/exited with code 3/);
      await expect(createDetectorPool({ model: MODEL, workers: 0 })).rejects.toThrow(/workers must be a positive integer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

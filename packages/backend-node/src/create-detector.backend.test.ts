// createDetector, the one way in: the same results as the old paths (loadDetector + the
// README's preprocessing, the pool), bit for bit on the backend of the test project.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage, type Detection } from '@aaclip/core';
import { repoRoot } from '../../../test-utils/fixtures';
import { serveStatic } from '../../../test-utils/static-server';
import { useBackend, type NodeBackendName } from './backend';
import { createDetector, type NodeDetector } from './create-detector';
import { decodeImageFile } from './image-io';
import { loadDetector } from './model-bundle';

const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
const BACKEND = (process.env.AACLIP_TEST_BACKEND ?? 'cpu') as NodeBackendName;
const FILES = ['carpet-good.png', 'carpet-hole.png'].map((f) => join(repoRoot, 'examples/images', f));

const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectIdentical(got: Detection[], want: Detection[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.size).toBe(w.size);
    expect(Buffer.compare(bytesOf(g.anomalyMap), bytesOf(w.anomalyMap))).toBe(0);
    expect(Buffer.compare(bytesOf(g.probabilityMap), bytesOf(w.probabilityMap))).toBe(0);
    expect(Object.is(g.imageScore, w.imageScore)).toBe(true);
    expect(Object.is(g.score, w.score)).toBe(true);
  });
}

describe(`createDetector (${BACKEND})`, () => {
  let det: NodeDetector;
  let want: Detection[];

  beforeAll(async () => {
    // as the README does (on wasm this plugs in the own GEMM engine, which createDetector uses too)
    await useBackend(BACKEND);
    // the README's path: loadDetector, then each caller preprocesses and builds its own batch
    const { detector, bundle } = await loadDetector({ model: MODEL });
    const size = bundle.config.vision.imageSize;
    const pixels = await Promise.all(FILES.map(async (f) => preprocessImage(await decodeImageFile(f), size)));
    const all = new Float32Array(pixels.length * size * size * 3);
    pixels.forEach((p, i) => all.set(p, i * size * size * 3));
    const batch = tf.tensor4d(all, [pixels.length, size, size, 3]);
    want = await detector.detect(batch, { className: 'carpet' });
    batch.dispose();
    detector.dispose();
    det = await createDetector({ model: MODEL, device: BACKEND });
  });
  afterAll(async () => {
    await det?.dispose();
  });

  it('detects file paths, decoded images and a tensor batch alike, as loadDetector does', async () => {
    expect(det.backend).toBe(BACKEND);
    expect(det.workers).toBe(1);
    expect(det.imageSize).toBe(128); // the demo CLIP's native size (no image_size metadata)
    expect(det.classes).toContain('tiles'); // anchors stored in the model
    expect(det.config.vision.imageSize).toBe(128);
    expect(det.checkpoint?.anchors.has('tiles')).toBe(true);
    expect(det.detector?.imageSize).toBe(128);
    expectIdentical(await det.detect(FILES, { className: 'carpet' }), want);
    const raws = await Promise.all(FILES.map((f) => decodeImageFile(f)));
    expectIdentical(await det.detect(raws, { className: 'carpet' }), want);
    const [one] = await det.detect(FILES[1]!, { className: 'carpet' });
    expectIdentical([one!], [want[1]!]);
    expect(want[1]!.score).toBeGreaterThan(want[0]!.score); // the hole scores above the good carpet
  });

  it('reads images from http URLs too', async () => {
    const srv = await serveStatic({ '/': join(repoRoot, 'examples/images') });
    try {
      expectIdentical(await det.detect([`${srv.url}carpet-good.png`, FILES[1]!], { className: 'carpet' }), want);
      await expect(det.detect(`${srv.url}missing.png`, { className: 'carpet' })).rejects.toThrow(`image ${srv.url}missing.png: HTTP 404`);
    } finally {
      await srv.close();
    }
  });

  it('leaves no tensors behind per call, and frees everything on dispose', async () => {
    const before = tf.memory().numTensors;
    await det.detect(FILES, { className: 'carpet' });
    expect(tf.memory().numTensors).toBe(before);
    const other = await createDetector({ model: new Uint8Array(readFileSync(MODEL)) });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    // a model given as bytes: the same bundle, the same numbers
    expectIdentical(await other.detect(FILES, { className: 'carpet' }), want);
    await other.dispose();
    await other.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with workers > 1 returns the pool behind the same interface, with the same results', async () => {
    const pool = await createDetector({ model: MODEL, workers: 2, device: BACKEND });
    try {
      expect(pool.workers).toBe(2);
      expect(pool.backend).toBe(BACKEND);
      expect(pool.imageSize).toBe(128);
      expect(pool.detector).toBeNull(); // each worker holds its own
      expect(pool.config.vision.patchSize).toBe(8);
      expectIdentical(await pool.detect(FILES, { className: 'carpet' }), want);
    } finally {
      await pool.dispose();
    }
  });

  it('names the argument of bad options', async () => {
    await expect(createDetector({ model: '' })).rejects.toThrow(/createDetector: model must be a file path/);
    await expect(createDetector({ model: MODEL, workers: 0 })).rejects.toThrow(/createDetector: workers must be an integer >= 1, got 0/);
    await expect(createDetector({ model: new Uint8Array(8), workers: 2 })).rejects.toThrow(/workers > 1 needs model as a file path/);
    await expect(det.detect(FILES, { className: '' })).rejects.toThrow(/className must be a non-empty string/);
    await expect(det.detect(join(repoRoot, 'nope.png'), { className: 'carpet' })).rejects.toThrow(/nope\.png/);
  });
});

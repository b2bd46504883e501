// Loading from a file holds one copy of the weights on wasm: the streamed reader hands the
// builder one tensor at a time, and an inference-only build keeps only XNNPACK's packed copy.
// Runs on wasm whatever the test project (it measures tfjs-wasm's heap).
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, randomClipWeights, writeSafetensors, type ClipConfig } from '@aaclip/core';
import { loadClip } from './weights-io';

/** A fresh tfjs-wasm instance (a new, 16 MiB heap), so that heap growth measures one load. */
async function freshWasmHeap(): Promise<() => number> {
  const engine = tf.engine() as unknown as { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> };
  const { factory, priority } = engine.registryFactory['wasm']!;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, priority);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to re-initialise');
  return () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
}

const dir = mkdtempSync(join(tmpdir(), 'aaclip-load-heap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading weights from a file on wasm', () => {
  it('holds one copy of the weights on wasm through load and forward (inferenceOnly)', async () => {
    // 4 blocks of width 512: 48 MiB of linear weights, written as a .safetensors file
    const cfg: ClipConfig = { embedDim: 256, activation: 'gelu', vision: { imageSize: 32, patchSize: 16, width: 512, layers: 4, heads: 8 } };
    const file = join(dir, 'w512.safetensors');
    const w = randomClipWeights(cfg, 2, { visionOnly: true });
    writeFileSync(file, writeSafetensors(new Map([...w].map(([k, v]) => [k, { dtype: 'float32' as const, shape: v.shape, data: v.data as Float32Array }])), { format: CHECKPOINT_FORMAT, clip_config: JSON.stringify(cfg) }));
    w.clear();
    const linearBytes = 4 * 12 * 512 * 512 * 4;
    const run = async (inferenceOnly: boolean): Promise<{ growth: number; pooled: Float32Array }> => {
      const heap = await freshWasmHeap();
      const h0 = heap();
      const { clip } = await loadClip(file, { visionOnly: true, inferenceOnly });
      const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const r = clip.encodeImage(x);
      const pooled = r.pooled!.dataSync() as Float32Array;
      const growth = heap() - h0;
      tf.dispose([x, r.pooled!]);
      clip.dispose();
      return { growth, pooled };
    };
    try {
      const plain = await run(false);
      const inf = await run(true);
      console.log(`linear weights ${(linearBytes / 2 ** 20).toFixed(1)} MiB; wasm heap growth over load + forward: plain ${(plain.growth / 2 ** 20).toFixed(1)} MiB, inference-only ${(inf.growth / 2 ** 20).toFixed(1)} MiB`);
      expect(inf.pooled).toEqual(plain.pooled);
      expect(plain.growth).toBeGreaterThan(1.9 * linearBytes);
      expect(inf.growth).toBeLessThan(1.3 * linearBytes);
    } finally {
      await freshWasmHeap();
    }
  });

});

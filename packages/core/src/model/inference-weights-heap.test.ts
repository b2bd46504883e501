// Runs on wasm whatever the test project: what it measures is tfjs-wasm's heap (XNNPACK keeps
// a packed copy of every weight it multiplies by), so a cpu run has nothing to measure.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { ClipConfig } from './clip-config';
import { ClipModel } from './clip-model';
import { randomClipWeights } from './random-weights';

/** A fresh tfjs-wasm instance (a new, 16 MiB heap), so that heap growth measures one build. */
async function freshWasmHeap(): Promise<() => number> {
  const engine = tf.engine() as unknown as { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> };
  const { factory, priority } = engine.registryFactory['wasm']!;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, priority);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to re-initialise');
  const heap = (): number => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  return heap;
}

describe('inference-only CLIP weights on wasm', () => {
  it('hold one copy of the linear weights on wasm, not the original plus XNNPACK\'s packed copy', async () => {
    // 4 blocks of width 512: 50.3 MB of linear weights (everything else is < 0.2 MB)
    const cfg: ClipConfig = { embedDim: 256, activation: 'gelu', vision: { imageSize: 32, patchSize: 16, width: 512, layers: 4, heads: 8 } };
    const weights = randomClipWeights(cfg, 1, { visionOnly: true });
    const linearBytes = 4 * 12 * 512 * 512 * 4;
    const images = (): tf.Tensor4D => tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const run = async (inferenceOnly: boolean): Promise<{ growth: number; pooled: Float32Array }> => {
      const heap = await freshWasmHeap();
      const h0 = heap();
      const clip = ClipModel.fromWeights(weights, cfg, { inferenceOnly });
      const x = images();
      const r = clip.encodeImage(x); // every weight has been through a product: packed
      const pooled = r.pooled!.dataSync() as Float32Array;
      const growth = heap() - h0;
      tf.dispose([x, r.pooled!]);
      clip.dispose();
      return { growth, pooled };
    };
    try {
      const plain = await run(false);
      const inf = await run(true);
      console.log(`linear weights ${(linearBytes / 2 ** 20).toFixed(1)} MiB; wasm heap growth: plain ${(plain.growth / 2 ** 20).toFixed(1)} MiB, inference-only ${(inf.growth / 2 ** 20).toFixed(1)} MiB`);
      expect(inf.pooled).toEqual(plain.pooled);
      expect(plain.growth).toBeGreaterThan(1.9 * linearBytes); // tfjs-wasm as it is: two copies
      expect(inf.growth).toBeLessThan(1.3 * linearBytes); // one copy (+ padding, one matrix in flight, heap growth steps)
    } finally {
      await freshWasmHeap(); // leave a clean wasm backend to the rest of the file
    }
  });

});

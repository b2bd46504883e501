// What one model build costs in tfjs-wasm's heap: a fresh wasm instance per build, so that the
// heap's growth measures that build alone.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** What the check needs of a CLIP (core's ClipModel, from its sources or its build). */
interface ImageEncoder {
  encodeImage(images: tf.Tensor4D): { pooled?: tf.Tensor2D | null };
  dispose(): void;
}

/** A fresh tfjs-wasm instance (a new, 16 MiB heap); returns a reader of its heap size. */
export async function freshWasmHeap(): Promise<() => number> {
  const engine = tf.engine() as unknown as { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> };
  const { factory, priority } = engine.registryFactory['wasm']!;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, priority);
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to re-initialise');
  return () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
}

/**
 * Builds a CLIP plain and inference-only, each in a fresh wasm heap, runs one 32 px forward
 * (every weight goes through a product, so XNNPACK packs it), and checks: the same output,
 * the plain build's heap grows by two copies of the linear weights (tfjs' and XNNPACK's), the
 * inference-only build's by one (under 1.3x: padding, one matrix in flight, growth steps).
 */
export async function expectOneWeightCopy(build: (inferenceOnly: boolean) => Promise<ImageEncoder>, linearBytes: number, what: string): Promise<void> {
  const run = async (inferenceOnly: boolean): Promise<{ growth: number; pooled: Float32Array }> => {
    const heap = await freshWasmHeap();
    const h0 = heap();
    const clip = await build(inferenceOnly);
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
    console.log(`linear weights ${(linearBytes / 2 ** 20).toFixed(1)} MiB; wasm heap growth over ${what}: plain ${(plain.growth / 2 ** 20).toFixed(1)} MiB, inference-only ${(inf.growth / 2 ** 20).toFixed(1)} MiB`);
    expect(inf.pooled).toEqual(plain.pooled);
    expect(plain.growth).toBeGreaterThan(1.9 * linearBytes); // tfjs-wasm as it is: two copies
    expect(inf.growth).toBeLessThan(1.3 * linearBytes);
  } finally {
    await freshWasmHeap(); // leave a clean wasm backend to the rest of the file
  }
}

// tf.memory()-based helpers for apps watching for leaked tensors.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Number of tensors alive on the active backend. Compare it before and after a detection to
 * find leaks: it should come back to the same value.
 *
 * @example
 * const before = liveTensors();
 * await detector.detect(img, 'bottle');
 * console.assert(liveTensors() === before);
 */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/** Memory of the active backend: tensors, their bytes, and GPU bytes where the backend reports them. */
export interface MemoryReport {
  backend: string;
  numTensors: number;
  numBytes: number;
  /** WebGL/WebGPU: bytes in GPU buffers and textures, when reported. */
  numBytesInGPU?: number;
  /** True when the backend calls its counts approximate (tfjs' cpu backend does). */
  unreliable: boolean;
}

/**
 * The active backend's memory, from `tf.memory()`.
 *
 * @example console.log(memoryReport()); // { backend: 'webgpu', numTensors: 812, numBytes: ..., ... }
 */
export function memoryReport(): MemoryReport {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  const r: MemoryReport = { backend: tf.getBackend(), numTensors: m.numTensors, numBytes: m.numBytes, unreliable: m.unreliable ?? false };
  const gpu = m.numBytesInGPU ?? m.numBytesInGPUAllocated;
  if (gpu !== undefined) r.numBytesInGPU = gpu;
  return r;
}

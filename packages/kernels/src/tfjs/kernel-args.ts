import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** What tfjs passes a kernel function (the backend typed structurally by each kernel file). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs?: NamedAttrMap;
  backend: unknown;
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A kernel's named float32 input, or an error naming the kernel and the input. */
export function needInput(inputs: Record<string, TensorInfo | undefined>, name: string, kernel: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${kernel}: input "${name}" is missing`);
  if (t.dtype !== 'float32') throw new Error(`${kernel}: input "${name}" must be float32, got ${t.dtype}`);
  return t;
}

/** An optional named float32 input (null when absent). */
export function optionalInput(inputs: Record<string, TensorInfo | undefined>, name: string, kernel: string): TensorInfo | null {
  return inputs[name] ? needInput(inputs, name, kernel) : null;
}

import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { HEAD_SLICE, type HeadSliceAttrs } from '@aaclip/core';

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

/** The output shape of a HEAD_SLICE block of x, or an error naming the kernel. */
export function headSliceShape(x: TensorInfo, a: HeadSliceAttrs): number[] {
  if (x.shape.length !== 2) throw new Error(`${HEAD_SLICE}: x must be 2-D, got [${x.shape}]`);
  const [R, C] = x.shape as [number, number];
  if (a.row < 0 || a.rows < 0 || a.row + a.rows > R || a.col < 0 || a.cols < 0 || a.col + a.cols > C) {
    throw new Error(`${HEAD_SLICE}: block rows ${a.row}+${a.rows}, cols ${a.col}+${a.cols} is outside [${R}, ${C}]`);
  }
  return a.transpose ? [a.cols, a.rows] : [a.rows, a.cols];
}

/**
 * The common in-memory tensor type produced by every weight reader in this folder.
 *
 * Half-precision sources (`F16`, `BF16`, `HalfStorage`, `BFloat16Storage`) are widened to
 * `float32`; 64-bit integers stay exact in a `BigInt64Array` (see {@link toInt32}).
 * Narrow integer and bool sources (`U8`, `I8`, `I16`, `BOOL`, `ByteStorage`, …) are widened
 * to `int32`. `sourceDtype` keeps the name the file used.
 *
 * Data arrays may be zero-copy views into the caller's input buffer: mutating the input
 * mutates the tensors (and vice versa).
 */
import { previewValue, WeightFormatError } from './weight-format-error';

export type TensorDType = 'float32' | 'float64' | 'int32' | 'int64';

/** A tensor's dtype, shape (row-major, contiguous) and values. */
export interface NamedTensor {
  dtype: TensorDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
  /** The dtype as the file named it, e.g. `'F16'`, `'BF16'`, `'HalfStorage'`. */
  sourceDtype: string;
}

/** Tensors by name, in file order. */
export type TensorMap = Map<string, NamedTensor>;

/** Most dimensions a tensor read from a file may have (torch allows 64). */
export const MAX_TENSOR_RANK = 64;

/**
 * Product of a shape's dimensions, checked to be a safe integer.
 *
 * @example shapeSize([2, 3, 4]) // 24
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isSafeInteger(n)) throw new WeightFormatError('BAD_SHAPE', `shapeSize: shape [${shape.join(',')}] has too many elements`);
  return n;
}

/**
 * Element count of a shape read from a file, validated: non-negative safe integers, at
 * most {@link MAX_TENSOR_RANK} dimensions, and `count * itemsize` a safe integer (checked
 * without overflowing). Throws a `BAD_SHAPE` {@link WeightFormatError} naming `where`.
 *
 * @example checkedNumel([2, 3], 4, "entry 'w'") // 6
 */
export function checkedNumel(shape: unknown, itemsize: number, where: string): number {
  if (!isValidShape(shape)) {
    throw new WeightFormatError('BAD_SHAPE', `${where} has invalid shape ${previewValue(shape)} (expected non-negative integers)`);
  }
  if (shape.length > MAX_TENSOR_RANK) {
    throw new WeightFormatError('BAD_SHAPE', `${where} has ${shape.length} dimensions, more than ${MAX_TENSOR_RANK}`);
  }
  let n = 1;
  for (const d of shape) {
    if (d === 0) return 0;
  }
  const limit = Math.floor(Number.MAX_SAFE_INTEGER / itemsize);
  for (const d of shape) {
    if (d > limit / n) {
      throw new WeightFormatError('BAD_SHAPE', `${where} has shape [${shape.join(', ')}], too many elements to address`);
    }
    n *= d;
  }
  return n;
}

/**
 * True when `shape` is an array of non-negative safe integers.
 *
 * @example isValidShape([2, 0, 3]) // true; isValidShape([1.5]) // false
 */
export function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

/**
 * Returns the values of an integer tensor as an Int32Array, checking that int64 values fit.
 *
 * @example
 * const ids = toInt32(tensors.get('tokens')!); // Int32Array
 */
export function toInt32(t: NamedTensor, name = 'tensor'): Int32Array {
  if (t.dtype === 'int32') return t.data as Int32Array;
  if (t.dtype !== 'int64') throw new Error(`toInt32: ${name} has dtype ${t.dtype}, expected int32 or int64`);
  const src = t.data as BigInt64Array;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (v > 2147483647n || v < -2147483648n) {
      throw new Error(`toInt32: ${name}[${i}] = ${v} does not fit in int32`);
    }
    out[i] = Number(v);
  }
  return out;
}

/**
 * Returns the values of a floating-point tensor as a Float32Array (float64 is rounded).
 * A float32 tensor's own array is returned without copying.
 *
 * @example
 * const w = toFloat32(tensors.get('visual.proj')!);
 */
export function toFloat32(t: NamedTensor, name = 'tensor'): Float32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  if (t.dtype === 'float64') return Float32Array.from(t.data as Float64Array);
  throw new Error(`toFloat32: ${name} has dtype ${t.dtype}, expected float32 or float64`);
}

/**
 * Normalises a reader's input to a Uint8Array view (no copy).
 *
 * @example asBytes(arrayBuffer, 'readSafetensors') // Uint8Array over the same memory
 */
export function asBytes(input: Uint8Array | ArrayBuffer, fn: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError(`${fn}: expected a Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(input)}`);
}

/**
 * True for objects shaped like a {@link NamedTensor}.
 *
 * @example isNamedTensor(tensors.get('visual.proj')) // true
 */
export function isNamedTensor(v: unknown): v is NamedTensor {
  if (v === null || typeof v !== 'object') return false;
  const t = v as Partial<NamedTensor>;
  return (
    typeof t.dtype === 'string' && typeof t.sourceDtype === 'string' && Array.isArray(t.shape) &&
    ArrayBuffer.isView(t.data)
  );
}

/**
 * Element decoding for weight files: little-endian bytes -> typed arrays, with zero-copy
 * views when the host is little-endian and the offset is aligned, plus half-precision
 * (IEEE binary16 and bfloat16) conversion.
 */
import type { NamedTensor, TensorDType } from './named-tensor';
import { WeightFormatError } from './weight-format-error';

/** Element encodings found in weight files. */
export type ElementKind = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/** Bytes per element of each {@link ElementKind}. */
export const ELEMENT_SIZE: Readonly<Record<ElementKind, number>> = {
  f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1,
};

/** The {@link TensorDType} each element kind decodes to. */
export const DECODED_DTYPE: Readonly<Record<ElementKind, TensorDType>> = {
  f64: 'float64', f32: 'float32', f16: 'float32', bf16: 'float32',
  i64: 'int64', i32: 'int32', i16: 'int32', i8: 'int32', u8: 'int32', bool: 'int32',
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let halfTable: Uint32Array | undefined;

/** float32 bit pattern of a binary16 bit pattern (exact). */
export function halfBitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0) {
    if (mant === 0) return sign >>> 0;
    let e = 113;
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      e--;
    }
    return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
  }
  if (exp === 31) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
}

/** binary16 bit pattern nearest to a float32 bit pattern (round half to even; NaN stays NaN). */
export function floatBitsToHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) {
    if (abs === 0x7f800000) return sign | 0x7c00;
    return sign | 0x7c00 | 0x200 | ((abs >>> 13) & 0x3ff);
  }
  const e = (abs >>> 23) - 112;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const mant = (abs & 0x7fffff) | 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let out = sign | (e << 10) | ((abs >>> 13) & 0x3ff);
  const rem = abs & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (out & 1) === 1)) out++;
  return out;
}

function getHalfTable(): Uint32Array {
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloatBits(h);
  }
  return halfTable;
}

/**
 * Decodes `count` little-endian binary16 values starting at `bytes[0]` into float32.
 *
 * @example halfToFloat32(new Uint8Array([0x00, 0x3c]), 1) // Float32Array [1]
 */
export function halfToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const table = getHalfTable();
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, p = 0; i < count; i++, p += 2) bits[i] = table[bytes[p]! | (bytes[p + 1]! << 8)]!;
  return out;
}

/**
 * Decodes `count` little-endian bfloat16 values starting at `bytes[0]` into float32 (exact).
 *
 * @example bfloat16ToFloat32(new Uint8Array([0x80, 0x3f]), 1) // Float32Array [1]
 */
export function bfloat16ToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, p = 0; i < count; i++, p += 2) bits[i] = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >>> 0;
  return out;
}

/**
 * Encodes float32 values as little-endian binary16 bytes (round half to even).
 *
 * @example float32ToHalfBytes(new Float32Array([1])) // Uint8Array [0x00, 0x3c]
 */
export function float32ToHalfBytes(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, p = 0; i < bits.length; i++, p += 2) {
    const h = floatBitsToHalfBits(bits[i]!);
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
  }
  return out;
}

function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Decodes `count` elements of `kind` from the start of `bytes` (which must hold at least
 * `count * ELEMENT_SIZE[kind]` bytes). f32/f64/i32/i64 data is a zero-copy view of `bytes`
 * when the host is little-endian and the byte offset is a multiple of the element size.
 *
 * @example decodeElements(bytes.subarray(off), 'f16', 10) // { dtype: 'float32', data: Float32Array(10) }
 */
export function decodeElements(
  bytes: Uint8Array,
  kind: ElementKind,
  count: number,
): { dtype: TensorDType; data: NamedTensor['data'] } {
  const size = ELEMENT_SIZE[kind];
  const nbytes = count * size;
  if (!Number.isSafeInteger(count) || count < 0 || bytes.length < nbytes) {
    throw new WeightFormatError('TRUNCATED', `decodeElements: need ${nbytes} bytes for ${count} ${kind} elements, have ${bytes.length}`);
  }
  const src = bytes.subarray(0, nbytes);
  const dtype = DECODED_DTYPE[kind];
  switch (kind) {
    case 'f16':
      return { dtype, data: halfToFloat32(src, count) };
    case 'bf16':
      return { dtype, data: bfloat16ToFloat32(src, count) };
    case 'u8':
    case 'bool':
      return { dtype, data: Int32Array.from(src) };
    case 'i8':
      return { dtype, data: Int32Array.from(new Int8Array(src.buffer, src.byteOffset, count)) };
    case 'i16': {
      const out = new Int32Array(count);
      for (let i = 0, p = 0; i < count; i++, p += 2) out[i] = ((src[p]! | (src[p + 1]! << 8)) << 16) >> 16;
      return { dtype, data: out };
    }
    default:
      break;
  }
  if (!LITTLE_ENDIAN_HOST) return { dtype, data: decodeBigEndianHost(src, kind, count) };
  const aligned = src.byteOffset % size === 0;
  const buffer = aligned ? src.buffer : alignedCopy(src);
  const offset = aligned ? src.byteOffset : 0;
  switch (kind) {
    case 'f32':
      return { dtype, data: new Float32Array(buffer, offset, count) };
    case 'f64':
      return { dtype, data: new Float64Array(buffer, offset, count) };
    case 'i32':
      return { dtype, data: new Int32Array(buffer, offset, count) };
    default:
      return { dtype, data: new BigInt64Array(buffer, offset, count) };
  }
}

function decodeBigEndianHost(src: Uint8Array, kind: ElementKind, count: number): NamedTensor['data'] {
  const view = new DataView(src.buffer, src.byteOffset, src.length);
  if (kind === 'f32') return Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
  if (kind === 'f64') return Float64Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
  if (kind === 'i32') return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
  return BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(i * 8, true));
}

/**
 * Writer for the safetensors format. Keys are sorted in the JSON header (with
 * `__metadata__` first); the header is padded with spaces to a multiple of 8 bytes; tensor
 * data is laid out without gaps in decreasing element size (then by name), so every tensor
 * starts at an offset aligned to its element size.
 */
import { float32ToHalfBytes } from './dtype-convert';
import { isValidShape, shapeSize, type NamedTensor, type TensorMap } from './named-tensor';

/** dtypes the writer can store. `float16` takes float32 data and rounds it to half. */
export type WritableDType = 'float32' | 'float16' | 'float64' | 'int32' | 'int64';

/** A tensor to write. */
export interface WritableTensor {
  dtype: WritableDType;
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

const FILE_DTYPE: Readonly<Record<WritableDType, { name: string; size: number; array: string }>> = {
  float64: { name: 'F64', size: 8, array: 'Float64Array' },
  int64: { name: 'I64', size: 8, array: 'BigInt64Array' },
  float32: { name: 'F32', size: 4, array: 'Float32Array' },
  int32: { name: 'I32', size: 4, array: 'Int32Array' },
  float16: { name: 'F16', size: 2, array: 'Float32Array' },
};

function fail(msg: string): never {
  throw new Error(`writeSafetensors: ${msg}`);
}

/** Largest finite binary16 value: anything beyond it is stored as +-Infinity. */
export const FLOAT16_MAX = 65504;

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /**
   * Store NaN and +-Infinity in float tensors (default false: such a tensor is refused, since
   * every reader of this package refuses such a file). Float16 overflow is refused always.
   */
  allowNonFinite?: boolean;
}

/**
 * A float tensor's values checked before they are written: NaN/Infinity (unless allowed) and,
 * for float16, finite values beyond {@link FLOAT16_MAX} (they would become Infinity).
 */
function checkValues(name: string, t: WritableTensor, allowNonFinite: boolean): void {
  if (t.dtype !== 'float16' && t.dtype !== 'float32' && t.dtype !== 'float64') return;
  const data = t.data as Float32Array | Float64Array;
  const half = t.dtype === 'float16';
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (half ? v <= FLOAT16_MAX && v >= -FLOAT16_MAX : v - v === 0) continue; // finite (and in half range)
    if (!Number.isFinite(v)) {
      if (allowNonFinite) continue;
      throw new RangeError(`tensor '${name}' holds ${v} at index ${i}: a weight file with NaN or Infinity cannot be loaded back, so it is not written`);
    }
    throw new RangeError(
      `tensor '${name}' holds ${v} at index ${i}, beyond float16's largest finite value ${FLOAT16_MAX}: it would be stored as ${v > 0 ? '' : '-'}Infinity (keep this tensor in float32)`,
    );
  }
}

function tensorBytes(name: string, t: WritableTensor, allowNonFinite: boolean): Uint8Array {
  const spec = FILE_DTYPE[t.dtype];
  if (!spec) fail(`tensor '${name}' has unsupported dtype ${String(t.dtype)} (use ${Object.keys(FILE_DTYPE).join(', ')})`);
  if (!isValidShape(t.shape)) fail(`tensor '${name}' has invalid shape ${JSON.stringify(t.shape)}`);
  const arrayName = Object.prototype.toString.call(t.data).slice(8, -1);
  if (arrayName !== spec.array) fail(`tensor '${name}' is ${t.dtype} and needs a ${spec.array}, got ${arrayName}`);
  const n = shapeSize(t.shape);
  if (t.data.length !== n) fail(`tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`);
  checkValues(name, t, allowNonFinite);
  if (t.dtype === 'float16') return float32ToHalfBytes(t.data as Float32Array);
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes.
 *
 * @throws RangeError naming the tensor and index for a float16 value beyond 65504, or NaN /
 *   Infinity in a float tensor (unless `options.allowNonFinite`).
 * @example
 * const bytes = writeSafetensors({ w: { dtype: 'float16', shape: [2], data: new Float32Array([1, 2]) } }, { format: 'pt' });
 */
export function writeSafetensors(
  tensors: Record<string, WritableTensor> | TensorMap | Map<string, WritableTensor | NamedTensor>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  if (!LITTLE_ENDIAN_HOST) fail('big-endian hosts are not supported');
  const items: [string, WritableTensor][] =
    tensors instanceof Map ? [...tensors.entries()] as [string, WritableTensor][] : Object.entries(tensors);
  const prepared = items.map(([name, t]) => {
    if (name === '__metadata__') fail(`'__metadata__' is reserved and cannot name a tensor`);
    if (t === null || typeof t !== 'object') fail(`tensor '${name}' is not an object`);
    return { name, dtype: t.dtype, shape: [...t.shape], bytes: tensorBytes(name, t, options.allowNonFinite === true), size: FILE_DTYPE[t.dtype].size };
  });
  const layout = [...prepared].sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const p of layout) {
    offsets.set(p.name, [offset, offset + p.bytes.length]);
    offset += p.bytes.length;
  }
  const header: Record<string, unknown> = {};
  const define = (k: string, v: unknown): void => {
    Object.defineProperty(header, k, { value: v, enumerable: true, writable: true, configurable: true });
  };
  if (metadata !== undefined) {
    const meta: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort()) {
      const v = metadata[k];
      if (typeof v !== 'string') fail(`metadata '${k}' is ${JSON.stringify(v)}, expected a string`);
      Object.defineProperty(meta, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    define('__metadata__', meta);
  }
  for (const p of [...prepared].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    define(p.name, { dtype: FILE_DTYPE[p.dtype].name, shape: p.shape, data_offsets: offsets.get(p.name) });
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const p of layout) out.set(p.bytes, dataStart + offsets.get(p.name)![0]);
  return out;
}

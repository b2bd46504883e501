/**
 * Reader for the safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON `{name: {dtype, shape, data_offsets: [start, end]}, "__metadata__"?: {...}}`,
 * then the data area (offsets are relative to its start).
 *
 * Supported dtypes: F32, F64, I32, I64 (zero-copy where aligned), F16 and BF16 (widened to
 * float32), and U8, I8, I16, BOOL (widened to int32; `sourceDtype` keeps the file's name).
 * Other dtypes (U16, U32, U64, F8_*) are rejected with an error naming the tensor.
 * Gaps between tensors are tolerated; overlapping tensors are rejected.
 *
 * Hostile files: every failure is a {@link WeightFormatError} with a code. The header
 * length is bounded (`maxHeaderBytes`, default 100 MB) and must lie inside the file; the
 * header must be a UTF-8 JSON object without repeated keys; every entry needs a supported
 * dtype, a shape of at most 64 non-negative integer dimensions whose byte size does not
 * overflow, and `data_offsets` inside the data area that span exactly
 * elements x element size bytes; tensors may leave gaps but never overlap. Nothing is
 * allocated before all of that is checked, and never more than 4x the tensor's bytes
 * (narrow integers widen to int32).
 */
import { decodeElements, ELEMENT_SIZE, type ElementKind } from './dtype-convert';
import { findDuplicateJsonKey } from './json-duplicate-key';
import { asBytes, checkedNumel, type NamedTensor, type TensorMap } from './named-tensor';
import { previewValue, WeightFormatError, type WeightFormatErrorCode } from './weight-format-error';

const DTYPES: Readonly<Record<string, ElementKind>> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8', U8: 'u8', BOOL: 'bool',
};

/** Default bound on the JSON header size (100 MB). */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

/** One tensor entry of a safetensors header. */
export interface SafetensorsEntry {
  name: string;
  /** dtype as written in the file, e.g. `'F16'`. */
  dtype: string;
  shape: number[];
  /** [start, end) relative to the data area, as in the file. */
  dataOffsets: [number, number];
  /** Absolute byte offset of the tensor's first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

/** A parsed safetensors header. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Absolute byte offset of the data area (8 + header length). */
  dataStart: number;
}

export interface SafetensorsReadOptions {
  /** Upper bound on the JSON header length in bytes (default 100 MB). */
  maxHeaderBytes?: number;
  /** File name (or label) used in error messages. */
  fileName?: string;
}

export interface SafetensorsHeaderOptions extends SafetensorsReadOptions {
  /**
   * Total size of the file, when `bytes` holds only its beginning (lazy reading): offsets are
   * checked against it. Default `bytes.length`.
   */
  fileSize?: number;
}

function fail(code: WeightFormatErrorCode, msg: string, opts: { fileName?: string } = {}, key?: string): never {
  throw new WeightFormatError(code, `safetensors: ${msg}`, { file: opts.fileName, key });
}

function maxHeader(opts: SafetensorsReadOptions): number {
  const max = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(max) || max < 2) {
    throw new RangeError(`safetensors: maxHeaderBytes must be an integer >= 2, got ${String(max)}`);
  }
  return max;
}

/**
 * Reads the header length from the first 8 bytes and returns the number of bytes a caller
 * must fetch to parse the header (8 + header length).
 *
 * @example const need = safetensorsHeaderSize(first8); // then fetch bytes [0, need)
 */
export function safetensorsHeaderSize(first8: Uint8Array, opts: SafetensorsReadOptions = {}): number {
  if (!(first8 instanceof Uint8Array)) throw new TypeError('safetensorsHeaderSize: expected a Uint8Array');
  if (first8.length < 8) fail('TRUNCATED', `file is ${first8.length} bytes, too short for the 8-byte header length`, opts);
  const max = maxHeader(opts);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(max)) fail('LIMIT', `header length ${n} exceeds maxHeaderBytes ${max}`, opts);
  if (n < 2n) fail('BAD_HEADER', `header length ${n} is too small for a JSON object`, opts);
  return 8 + Number(n);
}

/**
 * Parses and validates a safetensors header without decoding any tensor data.
 *
 * @example
 * const { entries } = parseSafetensorsHeader(bytes);
 * const t = decodeSafetensorsEntry(entries[0], bytes.subarray(entries[0].byteOffset));
 */
export function parseSafetensorsHeader(
  input: Uint8Array | ArrayBuffer,
  opts: SafetensorsHeaderOptions = {},
): SafetensorsHeader {
  const bytes = asBytes(input, 'parseSafetensorsHeader');
  const fileSize = opts.fileSize ?? bytes.length;
  if (!Number.isSafeInteger(fileSize) || fileSize < bytes.length) {
    throw new RangeError(`parseSafetensorsHeader: fileSize ${String(fileSize)} must be an integer >= the ${bytes.length} bytes given`);
  }
  const dataStart = safetensorsHeaderSize(bytes, opts);
  if (dataStart > fileSize || dataStart > bytes.length) {
    fail('TRUNCATED', `header length ${dataStart - 8} runs past the end of the file (${fileSize} bytes, ${bytes.length} available)`, opts);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail('BAD_HEADER', 'header is not valid UTF-8', opts);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail('BAD_HEADER', `header is not valid JSON: ${(e as Error).message}`, opts);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('BAD_HEADER', `header JSON is not an object (got ${previewValue(json)})`, opts);
  const dup = findDuplicateJsonKey(text);
  if (dup) fail('DUPLICATE_KEY', `header repeats the key ${JSON.stringify(dup.key)}${dup.depth > 1 ? ` (at nesting depth ${dup.depth})` : ''}`, opts, dup.key);
  const dataLength = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('BAD_HEADER', `__metadata__ is not an object (got ${previewValue(raw)})`, opts);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail('BAD_HEADER', `__metadata__.${k} is ${previewValue(v)}, expected a string`, opts, k);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(parseEntry(name, raw, dataStart, dataLength, opts));
  }
  const sorted = entries.filter((e) => e.byteLength > 0).sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      fail('OVERLAP', `tensors '${prev.name}' [${prev.dataOffsets.join(', ')}] and '${cur.name}' [${cur.dataOffsets.join(', ')}] overlap`, opts, cur.name);
    }
  }
  return { entries, metadata, dataStart };
}

function parseEntry(name: string, raw: unknown, dataStart: number, dataLength: number, opts: SafetensorsHeaderOptions): SafetensorsEntry {
  const bad = (code: WeightFormatErrorCode, msg: string): never => fail(code, `entry '${name}' ${msg}`, opts, name);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad('BAD_HEADER', `is not an object (got ${previewValue(raw)})`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') bad('BAD_HEADER', `has no string dtype (got ${previewValue(dtype)})`);
  const kind = Object.prototype.hasOwnProperty.call(DTYPES, dtype as string) ? DTYPES[dtype as string] : undefined;
  if (!kind) bad('UNSUPPORTED', `has unsupported dtype ${(dtype as string).slice(0, 40)} (supported: ${Object.keys(DTYPES).join(', ')})`);
  let numel = 0;
  try {
    numel = checkedNumel(shape, ELEMENT_SIZE[kind!], `entry '${name}'`);
  } catch (e) {
    bad('BAD_SHAPE', (e as Error).message.replace(`entry '${name}' `, ''));
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    bad('BAD_HEADER', `has invalid data_offsets ${previewValue(offsets)}`);
  }
  const [start, end] = offsets as [number, number];
  if (end < start || end > dataLength) {
    bad('OUT_OF_BOUNDS', `data_offsets [${start}, ${end}] are outside the data area of ${dataLength} bytes`);
  }
  const expected = numel * ELEMENT_SIZE[kind!];
  if (end - start !== expected) {
    bad('SIZE_MISMATCH', `(${dtype as string} [${(shape as number[]).join(', ')}]) needs ${expected} bytes but data_offsets [${start}, ${end}] span ${end - start}`);
  }
  return { name, dtype: dtype as string, shape: (shape as number[]).slice(), dataOffsets: [start, end], byteOffset: dataStart + start, byteLength: end - start };
}

/**
 * Decodes one entry from `bytes`, which must start at the tensor's first byte (e.g. a ranged
 * fetch of `[entry.byteOffset, entry.byteOffset + entry.byteLength)`).
 *
 * @example const t = decodeSafetensorsEntry(entry, await fetchRange(entry.byteOffset, entry.byteLength));
 */
export function decodeSafetensorsEntry(entry: SafetensorsEntry, bytes: Uint8Array, opts: { fileName?: string } = {}): NamedTensor {
  const kind = Object.prototype.hasOwnProperty.call(DTYPES, entry.dtype) ? DTYPES[entry.dtype] : undefined;
  if (!kind) fail('UNSUPPORTED', `entry '${entry.name}' has unsupported dtype ${entry.dtype}`, opts, entry.name);
  const numel = checkedNumel(entry.shape, ELEMENT_SIZE[kind], `entry '${entry.name}'`);
  if (numel * ELEMENT_SIZE[kind] !== entry.byteLength) {
    fail('SIZE_MISMATCH', `entry '${entry.name}' shape [${entry.shape.join(', ')}] does not match its ${entry.byteLength} bytes`, opts, entry.name);
  }
  if (bytes.length < entry.byteLength) {
    fail('TRUNCATED', `entry '${entry.name}' needs ${entry.byteLength} bytes, got ${bytes.length}`, opts, entry.name);
  }
  const { dtype, data } = decodeElements(bytes, kind, numel);
  return { dtype, shape: entry.shape.slice(), data, sourceDtype: entry.dtype };
}

/**
 * Reads every tensor of a safetensors file held in memory.
 *
 * @example
 * const { tensors, metadata } = readSafetensors(new Uint8Array(await file.arrayBuffer()));
 * tensors.get('visual.proj'); // { dtype: 'float32', shape: [1024, 768], data, sourceDtype: 'F16' }
 */
export function readSafetensors(
  input: Uint8Array | ArrayBuffer,
  opts: SafetensorsReadOptions = {},
): { tensors: TensorMap; metadata: Record<string, string> } {
  const bytes = asBytes(input, 'readSafetensors');
  const header = parseSafetensorsHeader(bytes, opts);
  const tensors: TensorMap = new Map();
  for (const entry of header.entries) {
    tensors.set(entry.name, decodeSafetensorsEntry(entry, bytes.subarray(entry.byteOffset, entry.byteOffset + entry.byteLength), opts));
  }
  return { tensors, metadata: header.metadata };
}

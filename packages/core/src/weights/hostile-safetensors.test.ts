import { describe, expect, it } from 'vitest';
import { findDuplicateJsonKey } from './json-duplicate-key';
import { checkedNumel } from './named-tensor';
import { detectWeightFormat, decodeWeightFile } from './read-weights';
import { parseSafetensorsHeader, readSafetensors } from './safetensors-reader';
import { WeightFormatError, type WeightFormatErrorCode } from './weight-format-error';

/** Builds a safetensors file from header text and a data area. */
function build(header: unknown, data: Uint8Array = new Uint8Array(16), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The WeightFormatError `fn` throws (fails the test for any other outcome). */
function caught(fn: () => unknown): WeightFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WeightFormatError) return e;
    throw new Error(`expected a WeightFormatError, got ${String(e)}`);
  }
  throw new Error('expected a WeightFormatError, nothing was thrown');
}

const codeOf = (header: unknown, data?: Uint8Array): WeightFormatErrorCode => caught(() => readSafetensors(build(header, data))).code;
const f32 = (shape: unknown, offsets: unknown): Record<string, unknown> => ({ dtype: 'F32', shape, data_offsets: offsets });

describe('safetensors: hostile headers fail with typed errors before any allocation', () => {
  it('rejects huge shapes by element count, without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    const e = caught(() => readSafetensors(build({ w: f32([1e9, 1e9], [0, 16]) }), { fileName: 'big.safetensors' }));
    expect(e.code).toBe('BAD_SHAPE');
    expect(e.message).toBe("big.safetensors: safetensors: entry 'w' has shape [1000000000, 1000000000], too many elements to address");
    expect(e.file).toBe('big.safetensors');
    expect(e.key).toBe('w');
    // addressable but not matching the 16 bytes present: a size mismatch, still before allocation
    expect(codeOf({ w: f32([1e5, 1e5], [0, 16]) })).toBe('SIZE_MISMATCH');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('rejects negative, fractional, non-finite, non-numeric and too many dimensions', () => {
    expect(codeOf({ w: f32([-4], [0, 16]) })).toBe('BAD_SHAPE');
    expect(codeOf({ w: f32([2.5], [0, 10]) })).toBe('BAD_SHAPE');
    expect(codeOf('{"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 16]}}')).toBe('BAD_SHAPE');
    expect(codeOf({ w: f32(['4'], [0, 16]) })).toBe('BAD_SHAPE');
    expect(codeOf({ w: f32('4', [0, 16]) })).toBe('BAD_SHAPE');
    expect(codeOf({ w: f32(new Array(65).fill(1), [0, 4]) })).toBe('BAD_SHAPE');
    expect(readSafetensors(build({ w: f32(new Array(64).fill(1), [0, 4]) })).tensors.get('w')!.shape).toHaveLength(64);
    expect(() => checkedNumel([2 ** 26, 2 ** 26, 2], 8, 'x')).toThrow(/too many elements to address/);
  });

  it('bounds the header length (default 100 MB, configurable) and checks it against the file', () => {
    const e = caught(() => readSafetensors(build({}, new Uint8Array(0), 2n ** 63n)));
    expect([e.code, e.message]).toEqual(['LIMIT', 'safetensors: header length 9223372036854775808 exceeds maxHeaderBytes 100000000']);
    const file = build({ w: f32([4], [0, 16]) });
    expect(caught(() => readSafetensors(file, { maxHeaderBytes: 20 })).code).toBe('LIMIT');
    expect(readSafetensors(file, { maxHeaderBytes: 1000 }).tensors.size).toBe(1);
    expect(caught(() => readSafetensors(build({}, new Uint8Array(0), 1000n))).code).toBe('TRUNCATED');
    expect(caught(() => readSafetensors(build({}, new Uint8Array(0), 0n))).code).toBe('BAD_HEADER');
    expect(caught(() => readSafetensors(new Uint8Array(7))).code).toBe('TRUNCATED');
    expect(() => readSafetensors(file, { maxHeaderBytes: -1 })).toThrow(RangeError);
  });

  it('requires a UTF-8 JSON object', () => {
    for (const text of ['[]', 'null', '7', '"x"', '{"a":']) expect(codeOf(text), text).toBe('BAD_HEADER');
    const bad = build('{"a": 1}');
    bad[10] = 0xff;
    expect(caught(() => readSafetensors(bad)).message).toMatch(/header is not valid UTF-8/);
    expect(codeOf({ w: null })).toBe('BAD_HEADER');
    expect(codeOf({ __metadata__: [] })).toBe('BAD_HEADER');
    expect(codeOf({ __metadata__: { a: { deep: 1 } } })).toBe('BAD_HEADER');
  });

  it('rejects repeated keys, which JSON.parse would silently merge', () => {
    const text = `{"w": ${JSON.stringify(f32([4], [0, 16]))}, "w": ${JSON.stringify(f32([2], [0, 8]))}}`;
    const e = caught(() => readSafetensors(build(text)));
    expect([e.code, e.key]).toEqual(['DUPLICATE_KEY', 'w']);
    expect(e.message).toBe('safetensors: header repeats the key "w"');
    // also when spelled with escapes, and inside nested objects
    expect(findDuplicateJsonKey('{"a": 1, "\\u0061": 2}')).toEqual({ key: 'a', depth: 1 });
    expect(findDuplicateJsonKey('{"m": {"x": "a", "x": "b"}, "n": [{"x": 1}, {"x": 2}]}')).toEqual({ key: 'x', depth: 2 });
    expect(findDuplicateJsonKey('{"a": "\\"a\\"", "b": {"a": 1}, "c": ["a", "a"]}')).toBeUndefined();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(findDuplicateJsonKey(deep)).toBeUndefined();
  });

  it('checks offsets: inside the data area, matching the dtype, gaps allowed, no overlap', () => {
    expect(codeOf({ w: f32([4], [0, 20]) })).toBe('OUT_OF_BOUNDS');
    expect(codeOf({ w: f32([0], [8, 4]) })).toBe('OUT_OF_BOUNDS');
    expect(codeOf({ w: f32([4], [0, 2 ** 53]) })).toBe('BAD_HEADER');
    expect(codeOf({ w: f32([4], [-1, 15]) })).toBe('BAD_HEADER');
    expect(codeOf({ w: f32([3], [0, 16]) })).toBe('SIZE_MISMATCH');
    expect(codeOf({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 16] } })).toBe('SIZE_MISMATCH');
    const e = caught(() => readSafetensors(build({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) })));
    expect([e.code, e.key]).toEqual(['OVERLAP', 'b']);
    const gapped = readSafetensors(build({ a: f32([1], [0, 4]), b: f32([1], [12, 16]) }, new Uint8Array(new Float32Array([1, 9, 9, 2]).buffer)));
    expect([...gapped.tensors.get('a')!.data, ...gapped.tensors.get('b')!.data]).toEqual([1, 2]);
  });

  it('refuses unknown dtypes, including names of Object.prototype members', () => {
    for (const dtype of ['U64', 'F8_E4M3', '__proto__', 'constructor', 'toString']) {
      expect(codeOf({ w: { dtype, shape: [1], data_offsets: [0, 8] } }), dtype).toBe('UNSUPPORTED');
    }
    expect(codeOf({ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } })).toBe('BAD_HEADER');
  });

  it('checks offsets against the full file size in lazy mode', () => {
    const file = build({ w: f32([4], [0, 16]) });
    const need = file.length - 16;
    expect(parseSafetensorsHeader(file.subarray(0, need), { fileSize: file.length }).entries).toHaveLength(1);
    expect(caught(() => parseSafetensorsHeader(file.subarray(0, need), { fileSize: file.length - 1 })).code).toBe('OUT_OF_BOUNDS');
    expect(() => parseSafetensorsHeader(file, { fileSize: 3 })).toThrow(RangeError);
  });

  it('names the format problem of unknown bytes', () => {
    const e = caught(() => decodeWeightFile(new Uint8Array(16).fill(7), { fileName: 'x.bin' }));
    expect([e.code, e.file]).toEqual(['NOT_RECOGNIZED', 'x.bin']);
    expect(e.message).toBe('x.bin: detectWeightFormat: not a safetensors file or torch zip archive (first bytes 07 07 07 07 07 07 07 07)');
    expect(caught(() => detectWeightFormat(new Uint8Array(0))).code).toBe('NOT_RECOGNIZED');
  });
});

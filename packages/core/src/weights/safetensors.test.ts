import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { toInt32 } from './named-tensor';
import {
  decodeSafetensorsEntry,
  parseSafetensorsHeader,
  readSafetensors,
  safetensorsHeaderSize,
} from './safetensors-reader';
import { writeSafetensors, type WritableTensor } from './safetensors-writer';

const load = (name: string): Uint8Array => readFileSync(fixture(name));

/** Builds a safetensors file from a header object and a data area. */
function build(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('readSafetensors on fixtures', () => {
  it('reads inputs.safetensors (F32 and I32)', () => {
    const { tensors, metadata } = readSafetensors(load('inputs.safetensors'));
    expect(metadata).toEqual({});
    const labels = tensors.get('labels')!;
    expect(labels).toMatchObject({ dtype: 'int32', shape: [2], sourceDtype: 'I32' });
    expect([...labels.data]).toEqual([0, 1]);
    expect([...toInt32(tensors.get('tokens')!).subarray(0, 8)]).toEqual([49406, 320, 1125, 539, 320, 13568, 3144, 5392]);
    const images = tensors.get('images')!;
    expect(images.shape).toEqual([2, 3, 140, 140]);
    expect(images.data).toBeInstanceOf(Float32Array);
    expect(images.data[0]).toBe(Math.fround(0.001230153371579945));
    expect(images.data[1]).toBe(Math.fround(0.4126429259777069));
    let sum = 0;
    for (const v of images.data as Float32Array) sum += v;
    expect(sum).toBeCloseTo(5057.376446367931, 6);
  });

  it('reads expected.safetensors (F64) with exact values', () => {
    const { tensors } = readSafetensors(load('expected.safetensors'));
    const pooled = tensors.get('image.pooled')!;
    expect(pooled).toMatchObject({ dtype: 'float64', shape: [2, 32], sourceDtype: 'F64' });
    expect([...pooled.data.subarray(0, 3)]).toEqual([-0.5314488583463672, 0.516603051966613, -0.9985937408672302]);
    expect(tensors.size).toBe(67);
  });

  it('reads clip-openai.safetensors with metadata and zero-copy views', () => {
    const bytes = load('clip-openai.safetensors');
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(446);
    expect([...tensors.get('logit_scale')!.data]).toEqual([Math.fround(2.6592600345611572)]);
    const conv = tensors.get('visual.conv1.weight')!;
    expect(conv.shape).toEqual([64, 3, 14, 14]);
    expect([...conv.data.subarray(0, 3)]).toEqual([0.0028803625609725714, -0.024842295795679092, 0.013131559826433659].map(Math.fround));
    expect(conv.data.buffer).toBe(bytes.buffer);
  });

  it('accepts an ArrayBuffer', () => {
    const bytes = load('adapters.safetensors');
    const copy = bytes.slice().buffer;
    expect(readSafetensors(copy).tensors.size).toBe(15);
  });

  it('parses the header lazily and decodes one entry from a ranged slice', () => {
    const bytes = load('clip-openai.safetensors');
    const need = safetensorsHeaderSize(bytes.subarray(0, 8));
    const header = parseSafetensorsHeader(bytes.subarray(0, need), { fileSize: bytes.length });
    expect(header.dataStart).toBe(need);
    const entry = header.entries.find((e) => e.name === 'visual.proj')!;
    expect(entry).toMatchObject({ dtype: 'F32', shape: [64, 32], byteLength: 64 * 32 * 4 });
    const t = decodeSafetensorsEntry(entry, bytes.slice(entry.byteOffset, entry.byteOffset + entry.byteLength));
    expect(t.data[0]).toBe(Math.fround(0.14285117387771606));
    expect(() => parseSafetensorsHeader(bytes.subarray(0, need))).toThrow(/outside the data area/);
  });
});

describe('writeSafetensors', () => {
  // Issue 14 item 8: `convert --fp16` turned values beyond 65504 into Infinity silently, and the
  // package's own loader then refused the file.
  it('refuses float16 values beyond 65504, naming the tensor, index and value', () => {
    const w = (v: number): Uint8Array => writeSafetensors({ 'visual.proj': { dtype: 'float16', shape: [3], data: new Float32Array([0, 1, v]) } });
    expect(() => w(70000)).toThrow(
      "tensor 'visual.proj' holds 70000 at index 2, beyond float16's largest finite value 65504: it would be stored as Infinity (keep this tensor in float32)",
    );
    expect(() => w(-65505)).toThrow(/holds -65505 at index 2.*stored as -Infinity/);
    expect(() => w(70000)).toThrow(RangeError);
    expect([...readSafetensors(w(-65504)).tensors.get('visual.proj')!.data]).toEqual([0, 1, -65504]);
  });

  it('refuses NaN and Infinity in float tensors unless allowNonFinite', () => {
    const t = (data: Float32Array | Float64Array, dtype: 'float32' | 'float64' | 'float16'): Record<string, WritableTensor> => ({ x: { dtype, shape: [data.length], data } });
    expect(() => writeSafetensors(t(new Float32Array([1, NaN]), 'float32'))).toThrow("tensor 'x' holds NaN at index 1: a weight file with NaN or Infinity cannot be loaded back");
    expect(() => writeSafetensors(t(new Float64Array([-Infinity]), 'float64'))).toThrow(/holds -Infinity at index 0/);
    expect(() => writeSafetensors(t(new Float32Array([Infinity]), 'float16'))).toThrow(/holds Infinity at index 0/);
    const bytes = writeSafetensors(t(new Float32Array([NaN, Infinity]), 'float16'), undefined, { allowNonFinite: true });
    expect([...readSafetensors(bytes).tensors.get('x')!.data]).toEqual([NaN, Infinity]);
    expect(() => writeSafetensors(t(new Float32Array([70000]), 'float16'), undefined, { allowNonFinite: true })).toThrow(/beyond float16's largest/);
  });

  it('round-trips f32, f16, f64, int32, int64 and metadata', () => {
    const f = new Float32Array([1.5, -2.25, 3.1415927, 1e-3, 65504, 0]);
    const bytes = writeSafetensors(
      {
        z: { dtype: 'float32', shape: [2, 3], data: f },
        h: { dtype: 'float16', shape: [6], data: f },
        d: { dtype: 'float64', shape: [1], data: new Float64Array([Math.PI]) },
        i: { dtype: 'int32', shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
        l: { dtype: 'int64', shape: [2], data: new BigInt64Array([-(2n ** 40n), 2n ** 62n]) },
        e: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
      },
      { format: 'pt', note: 'ünïcode' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(['__metadata__', 'd', 'e', 'h', 'i', 'l', 'z']);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect(tensors.get('z')).toMatchObject({ dtype: 'float32', shape: [2, 3], sourceDtype: 'F32' });
    expect([...tensors.get('z')!.data]).toEqual([...f]);
    const h = tensors.get('h')!;
    expect(h).toMatchObject({ dtype: 'float32', sourceDtype: 'F16' });
    expect([...h.data]).toEqual([1.5, -2.25, 3.140625, 0.0010004043579101562, 65504, 0]);
    for (let k = 0; k < 4; k++) expect(Math.abs((h.data[k] as number) - f[k]!)).toBeLessThanOrEqual(Math.abs(f[k]!) * 2 ** -11);
    expect([...tensors.get('d')!.data]).toEqual([Math.PI]);
    expect([...tensors.get('i')!.data]).toEqual([-1, 0, 2147483647]);
    expect([...tensors.get('l')!.data]).toEqual([-(2n ** 40n), 2n ** 62n]);
    expect(tensors.get('e')!.shape).toEqual([0, 4]);
    // every tensor starts at an offset aligned to its element size, and data is zero-copy
    for (const e of parseSafetensorsHeader(bytes).entries) {
      expect(e.byteOffset % { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2 }[e.dtype as 'F64']!).toBe(0);
    }
    expect(tensors.get('z')!.data.buffer).toBe(bytes.buffer);
  });

  it('writes a TensorMap read from a fixture back bit-for-bit', () => {
    const original = readSafetensors(load('adapters.safetensors')).tensors;
    const again = readSafetensors(writeSafetensors(original)).tensors;
    expect([...again.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [k, t] of original) expect(again.get(k)!.data).toEqual(t.data);
  });

  it('validates its input', () => {
    expect(() => writeSafetensors({ a: { dtype: 'float32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /tensor 'a' has 2 values but shape \[3\] needs 3/,
    );
    expect(() => writeSafetensors({ a: { dtype: 'int32', shape: [2], data: new Float32Array(2) } })).toThrow(
      /needs a Int32Array, got Float32Array/,
    );
    expect(() => writeSafetensors({ a: { dtype: 'float32', shape: [-1], data: new Float32Array(0) } })).toThrow(/invalid shape/);
    expect(() => writeSafetensors({}, { a: 1 as unknown as string })).toThrow(/metadata 'a'/);
  });
});

describe('readSafetensors rejects malformed files', () => {
  const data = new Uint8Array(16);
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } };

  it('accepts the well-formed baseline', () => {
    expect(readSafetensors(build(good, data)).tensors.size).toBe(2);
  });

  it('rejects truncated files and bad header lengths', () => {
    expect(() => readSafetensors(new Uint8Array(5))).toThrow(/too short/);
    const file = build(good, data);
    expect(() => readSafetensors(file.subarray(0, 30))).toThrow(/runs past the end of the file/);
    expect(() => readSafetensors(file.subarray(0, file.length - 1))).toThrow(/outside the data area of 15 bytes/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readSafetensors(huge)).toThrow(/header length 1099511627776 exceeds maxHeaderBytes 100000000/);
    expect(() => readSafetensors(file, { maxHeaderBytes: 10 })).toThrow(/exceeds maxHeaderBytes 10/);
  });

  it('rejects bad JSON and bad entries', () => {
    expect(() => readSafetensors(build(null, data, '{"a": '))).toThrow(/not valid JSON/);
    expect(() => readSafetensors(build(null, data, '[1]'))).toThrow(/not an object/);
    expect(() => readSafetensors(build({ a: { shape: [2], data_offsets: [0, 8] } }, data))).toThrow(/'a' has no string dtype/);
    expect(() => readSafetensors(build({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, data))).toThrow(/unsupported dtype F8_E4M3/);
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, data))).toThrow(/invalid shape \[2.5\]/);
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, data))).toThrow(/invalid shape/);
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [2] } }, data))).toThrow(/invalid data_offsets undefined/);
    expect(() => readSafetensors(build({ __metadata__: { v: 3 } }, data))).toThrow(/__metadata__.v is 3/);
  });

  it('rejects offsets outside the data area, reversed offsets and size mismatches', () => {
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [6], data_offsets: [0, 24] } }, data))).toThrow(
      /'a' data_offsets \[0, 24\] are outside the data area of 16 bytes/,
    );
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, data))).toThrow(/outside/);
    expect(() => readSafetensors(build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(
      /'a' \(F32 \[3\]\) needs 12 bytes but data_offsets \[0, 8\] span 8/,
    );
    expect(() => readSafetensors(build({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, data))).toThrow(/needs 16 bytes/);
  });

  it('rejects overlapping tensors', () => {
    const overlap = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect(() => readSafetensors(build(overlap, data))).toThrow(/tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/);
  });

  it('converts narrow integer dtypes to int32 and copies unaligned data', () => {
    const file = build(
      { u: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'BOOL', shape: [1], data_offsets: [2, 3] }, f: { dtype: 'F32', shape: [1], data_offsets: [3, 7] } },
      new Uint8Array([200, 7, 1, 0, 0, 0xc0, 0x3f]),
    );
    const { tensors } = readSafetensors(file);
    expect(tensors.get('u')).toMatchObject({ dtype: 'int32', sourceDtype: 'U8' });
    expect([...tensors.get('u')!.data]).toEqual([200, 7]);
    expect([...tensors.get('b')!.data]).toEqual([1]);
    expect([...tensors.get('f')!.data]).toEqual([1.5]);
  });
});

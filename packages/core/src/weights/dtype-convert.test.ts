import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat32,
  decodeElements,
  float32ToHalfBytes,
  floatBitsToHalfBits,
  halfBitsToFloatBits,
  halfToFloat32,
} from './dtype-convert';

const f32bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const toHalf = (x: number): number => floatBitsToHalfBits(f32bits(x));
const fromHalf = (h: number): number => new Float32Array(new Uint32Array([halfBitsToFloatBits(h)]).buffer)[0]!;

describe('half precision', () => {
  it('decodes known binary16 patterns', () => {
    expect(fromHalf(0x3c00)).toBe(1);
    expect(fromHalf(0xc000)).toBe(-2);
    expect(fromHalf(0x7bff)).toBe(65504);
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(fromHalf(0x03ff)).toBe(1023 * 2 ** -24);
    expect(fromHalf(0x0400)).toBe(2 ** -14);
    expect(fromHalf(0x3555)).toBe(0.333251953125);
    expect(fromHalf(0x7c00)).toBe(Infinity);
    expect(fromHalf(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(fromHalf(0x7e00))).toBe(true);
    expect(Object.is(fromHalf(0x8000), -0)).toBe(true);
  });

  it('round-trips every binary16 pattern through float32', () => {
    for (let h = 0; h < 65536; h++) {
      const back = floatBitsToHalfBits(halfBitsToFloatBits(h));
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) expect((back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0).toBe(true);
      else if (back !== h) throw new Error(`0x${h.toString(16)} -> 0x${back.toString(16)}`);
    }
  });

  it('rounds float32 to half with round-half-to-even', () => {
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (down)
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(toHalf(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(toHalf(65519)).toBe(0x7bff);
    expect(toHalf(65520)).toBe(0x7c00); // tie above the max -> inf
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(-1e6)).toBe(0xfc00);
    expect(toHalf(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal -> 0
    expect(toHalf(3 * 2 ** -26)).toBe(1);
    expect(toHalf(3 * 2 ** -25)).toBe(2); // 1.5 ulp -> even 2
    expect(toHalf(2 ** -26)).toBe(0);
    expect(toHalf(2 ** -14 - 2 ** -25)).toBe(0x0400); // tie rounds up into the normals
    expect(toHalf(-0)).toBe(0x8000);
    expect(toHalf(0.1)).toBe(0x2e66);
    expect(toHalf(Infinity)).toBe(0x7c00);
    expect(toHalf(NaN) & 0x7e00).toBe(0x7e00);
  });

  it('agrees with exhaustive nearest-value search on random floats', () => {
    const halves = new Float64Array(0x7c01);
    for (let h = 0; h <= 0x7c00; h++) halves[h] = fromHalf(h);
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const x = Math.fround((seed / 2 ** 32) * 2 ** ((i % 40) - 25));
      const h = toHalf(x);
      // the chosen half is at least as close as both neighbours
      const err = Math.abs(halves[h]! - x);
      if (h > 0) expect(err).toBeLessThanOrEqual(Math.abs(halves[h - 1]! - x));
      if (h < 0x7bff) expect(err).toBeLessThanOrEqual(Math.abs(halves[h + 1]! - x));
    }
  });

  it('converts arrays both ways at any byte alignment', () => {
    const values = new Float32Array([1, -2, 0.5, 65504, 2 ** -24]);
    const bytes = float32ToHalfBytes(values);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(halfToFloat32(shifted.subarray(1), 5)).toEqual(values);
  });

  it('decodes bfloat16 exactly', () => {
    expect([...bfloat16ToFloat32(new Uint8Array([0x80, 0x3f, 0x49, 0x40, 0x80, 0xff]), 3)]).toEqual([1, 3.140625, -Infinity]);
  });
});

describe('decodeElements', () => {
  it('returns zero-copy views when aligned and copies when not', () => {
    const buf = new Uint8Array(20);
    new Float32Array(buf.buffer, 4, 2).set([1.5, -3]);
    const aligned = decodeElements(buf.subarray(4), 'f32', 2);
    expect(aligned.data.buffer).toBe(buf.buffer);
    expect([...aligned.data]).toEqual([1.5, -3]);
    const odd = new Uint8Array(21);
    odd.set(buf.subarray(4, 12), 1);
    const copied = decodeElements(odd.subarray(1), 'f32', 2);
    expect(copied.data.buffer).not.toBe(odd.buffer);
    expect([...copied.data]).toEqual([1.5, -3]);
  });

  it('widens narrow integers and bools to int32, keeps int64 exact', () => {
    expect([...decodeElements(new Uint8Array([0xff, 1]), 'i8', 2).data]).toEqual([-1, 1]);
    expect([...decodeElements(new Uint8Array([0xff, 1]), 'u8', 2).data]).toEqual([255, 1]);
    expect([...decodeElements(new Uint8Array([0xfe, 0xff]), 'i16', 1).data]).toEqual([-2]);
    const big = new BigInt64Array([-(2n ** 62n)]);
    const r = decodeElements(new Uint8Array(big.buffer), 'i64', 1);
    expect(r.dtype).toBe('int64');
    expect(r.data[0]).toBe(-(2n ** 62n));
  });

  it('rejects short input', () => {
    expect(() => decodeElements(new Uint8Array(7), 'f64', 1)).toThrow(/need 8 bytes for 1 f64 elements, have 7/);
  });
});

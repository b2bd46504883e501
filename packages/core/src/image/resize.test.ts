// Bit-exactness of the Pillow-compatible resizers. Expected values were produced with
// Pillow 9.4 (`Image.frombytes(mode, (w, h), pattern).resize((outW, outH), BICUBIC|NEAREST)`)
// on the same pseudo-random pattern, hashed with 32-bit FNV-1a over the output bytes.
import { describe, expect, it } from 'vitest';
import type { RawImage } from './raw-image';
import { resizeBicubicPil } from './resize-bicubic';
import { resizeNearestPil } from './resize-nearest';

/** Deterministic noise: LCG x = (1103515245 x + 12345) mod 2^31, sample = (x >> 16) & 255. */
function pattern(w: number, h: number, c: 1 | 3, seed: number): RawImage {
  const data = new Uint8Array(w * h * c);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    data[i] = (s >>> 16) & 255;
  }
  return { width: w, height: h, channels: c, data };
}

function fnv1a(bytes: ArrayLike<number>): number {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619) >>> 0;
  return h;
}

interface Case {
  w: number;
  h: number;
  c: 1 | 3;
  outW: number;
  outH: number;
  seed: number;
  bicubic: number;
  nearest: number;
  first: number[];
}

const cases: Case[] = [
  { w: 37, h: 29, c: 3, outW: 16, outH: 16, seed: 1, bicubic: 0x6db4fc95, nearest: 0x5ac9e52f, first: [123, 104, 162, 165, 127, 133] },
  { w: 13, h: 11, c: 3, outW: 40, outH: 33, seed: 2, bicubic: 0x88792dfd, nearest: 0x242c5ae1, first: [158, 0, 255, 155, 15, 255] },
  { w: 50, h: 40, c: 3, outW: 50, outH: 17, seed: 3, bicubic: 0xa208fb22, nearest: 0xfeed9908, first: [125, 120, 64, 92, 111, 75] },
  { w: 50, h: 40, c: 3, outW: 23, outH: 40, seed: 4, bicubic: 0xf7824c7b, nearest: 0x0aa42760, first: [85, 88, 177, 114, 82, 98] },
  { w: 31, h: 27, c: 1, outW: 9, outH: 50, seed: 5, bicubic: 0xf2fcab15, nearest: 0xc2a16729, first: [114, 159, 89, 146, 129, 102] },
  { w: 300, h: 200, c: 3, outW: 7, outH: 5, seed: 6, bicubic: 0xe55bdd35, nearest: 0xc4913fae, first: [128, 124, 128, 128, 126, 129] },
  { w: 5, h: 4, c: 1, outW: 5, outH: 4, seed: 7, bicubic: 0x503ff73d, nearest: 0x503ff73d, first: [108, 78, 116, 146, 19, 37] },
  { w: 2, h: 3, c: 3, outW: 1, outH: 1, seed: 8, bicubic: 0x6e293013, nearest: 0x95cd47e3, first: [118, 139, 103] },
  { w: 1, h: 1, c: 3, outW: 3, outH: 2, seed: 9, bicubic: 0x869cd63d, nearest: 0x869cd63d, first: [248, 147, 111, 248, 147, 111] },
  { w: 640, h: 480, c: 3, outW: 336, outH: 336, seed: 10, bicubic: 0x67466eb9, nearest: 0x3b6cd490, first: [134, 137, 175, 207, 127, 144] },
  { w: 211, h: 97, c: 1, outW: 518, outH: 518, seed: 11, bicubic: 0x214d53de, nearest: 0x24403df1, first: [135, 149, 193, 227, 189, 116] },
];

describe('resizeBicubicPil', () => {
  it.each(cases)('$w x $h x $c -> $outW x $outH equals Pillow BICUBIC', (k) => {
    const out = resizeBicubicPil(pattern(k.w, k.h, k.c, k.seed), k.outW, k.outH);
    expect([out.width, out.height, out.channels]).toEqual([k.outW, k.outH, k.c]);
    expect(out.data.length).toBe(k.outW * k.outH * k.c);
    expect(Array.from(out.data.subarray(0, k.first.length))).toEqual(k.first);
    expect(fnv1a(out.data)).toBe(k.bicubic);
  });

  it('equals Pillow on a smooth gradient (64 x 48 -> 29 x 71)', () => {
    const data = new Uint8Array(64 * 48 * 3);
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const o = (y * 64 + x) * 3;
        data[o] = (x * 4) & 255;
        data[o + 1] = (x * 4 + 30) & 255;
        data[o + 2] = (y * 5) & 255;
      }
    }
    const out = resizeBicubicPil({ width: 64, height: 48, channels: 3, data }, 29, 71);
    expect(Array.from(out.data.subarray(0, 9))).toEqual([3, 33, 0, 11, 41, 0, 20, 50, 0]);
    expect(fnv1a(out.data)).toBe(0xb5a5404e);
  });

  it('returns a copy for an unchanged size and validates its arguments', () => {
    const img = pattern(4, 3, 3, 1);
    const same = resizeBicubicPil(img, 4, 3);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
    expect(() => resizeBicubicPil(img, 0, 3)).toThrow(/outW must be a positive integer, got 0/);
    expect(() => resizeBicubicPil(img, 4, 2.5)).toThrow(/outH must be a positive integer, got 2.5/);
    const u16: RawImage = { width: 1, height: 1, channels: 1, data: new Uint16Array(1) };
    expect(() => resizeBicubicPil(u16, 2, 2)).toThrow(/8-bit samples.*Uint16Array/);
    const bad: RawImage = { width: 2, height: 2, channels: 3, data: new Uint8Array(5) };
    expect(() => resizeBicubicPil(bad, 2, 2)).toThrow(/5 samples, expected 12 \(2 x 2 x 3\)/);
  });
});

describe('resizeNearestPil', () => {
  it.each(cases)('$w x $h x $c -> $outW x $outH equals Pillow NEAREST', (k) => {
    const out = resizeNearestPil(pattern(k.w, k.h, k.c, k.seed), k.outW, k.outH);
    expect([out.width, out.height, out.channels]).toEqual([k.outW, k.outH, k.c]);
    expect(fnv1a(out.data)).toBe(k.nearest);
  });

  it('picks source index floor((i + 0.5) * in / out) and keeps the sample type', () => {
    const data = new Uint16Array([100, 200, 300, 400, 500]);
    const out = resizeNearestPil({ width: 5, height: 1, channels: 1, data }, 3, 2);
    expect(out.data).toBeInstanceOf(Uint16Array);
    // scale 5/3: positions 0.83, 2.5, 4.17 -> 0, 2, 4
    expect(Array.from(out.data)).toEqual([100, 300, 500, 100, 300, 500]);
    const f = resizeNearestPil({ width: 2, height: 1, channels: 2, data: new Float32Array([0.5, 1, 0.25, 0]) }, 4, 1);
    expect(Array.from(f.data)).toEqual([0.5, 1, 0.5, 1, 0.25, 0, 0.25, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import { maskToBinary, toRgb } from './convert';
import { CLIP_MEAN, CLIP_STD, normalizeClip } from './normalize';
import { preprocessImage, preprocessMask } from './preprocess';
import { assertRawImage, type RawImage } from './raw-image';

describe('toRgb', () => {
  it('replicates gray and drops alpha like PIL convert("RGB")', () => {
    // PIL: LA (10,20),(200,0) -> RGB 10,10,10,200,200,200; RGBA drops A.
    const la: RawImage = { width: 2, height: 1, channels: 2, data: new Uint8Array([10, 20, 200, 0]) };
    expect(Array.from(toRgb(la).data)).toEqual([10, 10, 10, 200, 200, 200]);
    const rgba: RawImage = { width: 2, height: 1, channels: 4, data: new Uint8Array([10, 20, 30, 0, 200, 100, 50, 255]) };
    expect(Array.from(toRgb(rgba).data)).toEqual([10, 20, 30, 200, 100, 50]);
    const l: RawImage = { width: 1, height: 2, channels: 1, data: new Uint8Array([7, 250]) };
    const rgb = toRgb(l);
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([1, 2, 3]);
    expect(Array.from(rgb.data)).toEqual([7, 7, 7, 250, 250, 250]);
  });

  it('returns 8-bit RGB input itself', () => {
    const img: RawImage = { width: 1, height: 1, channels: 3, data: new Uint8Array([1, 2, 3]) };
    expect(toRgb(img)).toBe(img);
  });

  it('keeps the high byte of 16-bit samples and scales 0..1 floats', () => {
    const u16: RawImage = { width: 2, height: 1, channels: 3, data: new Uint16Array([0, 255, 256, 65535, 32768, 0x12ff]) };
    expect(Array.from(toRgb(u16).data)).toEqual([0, 0, 1, 255, 128, 0x12]);
    const g16: RawImage = { width: 1, height: 1, channels: 2, data: new Uint16Array([0xabcd, 0]) };
    expect(Array.from(toRgb(g16).data)).toEqual([0xab, 0xab, 0xab]);
    const f: RawImage = { width: 2, height: 1, channels: 4, data: new Float32Array([0, 0.5, 1, 1, -0.2, 1.7, 0.1, 0]) };
    expect(Array.from(toRgb(f).data)).toEqual([0, 128, 255, 0, 255, 26]);
  });

  it('rejects malformed images with the actual values', () => {
    expect(() => toRgb({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      /toRgb: img: data has 11 samples, expected 12 \(2 x 2 x 3\)/,
    );
    expect(() => toRgb({ width: 1, height: 1, channels: 5 as 4, data: new Uint8Array(5) })).toThrow(/got 5/);
    expect(() => assertRawImage({ width: 0, height: 3, channels: 1, data: new Uint8Array(0) }, 'x')).toThrow(
      /x: width and height must be positive integers, got 0 x 3/,
    );
    const bad = { width: 1, height: 1, channels: 1, data: [1] } as unknown as RawImage;
    expect(() => toRgb(bad)).toThrow(/Uint8Array, Uint16Array or Float32Array, got Array/);
  });
});

describe('maskToBinary', () => {
  it('is 1 where the first channel is non-zero', () => {
    expect(Array.from(maskToBinary({ width: 3, height: 1, channels: 1, data: new Uint8Array([0, 7, 255]) }))).toEqual([0, 1, 1]);
    const rgba: RawImage = { width: 2, height: 1, channels: 4, data: new Uint8Array([0, 9, 9, 9, 1, 0, 0, 0]) };
    expect(Array.from(maskToBinary(rgba))).toEqual([0, 1]);
    expect(Array.from(maskToBinary({ width: 2, height: 1, channels: 1, data: new Uint16Array([256, 0]) }))).toEqual([1, 0]);
  });
});

describe('normalizeClip', () => {
  it('computes (v / 255 - mean) / std per channel in HWC order', () => {
    const img: RawImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([0, 128, 255, 255, 0, 64]) };
    const x = normalizeClip(img);
    const want = [0, 128, 255, 255, 0, 64].map((v, i) => Math.fround((v / 255 - CLIP_MEAN[i % 3]) / CLIP_STD[i % 3]));
    expect(Array.from(x)).toEqual(want);
    expect(x[0]).toBeCloseTo(-1.7922625, 6);
    expect(Array.from(normalizeClip(img, [0, 0, 0], [1, 1, 1]))).toEqual([0, 128, 255, 255, 0, 64].map((v) => Math.fround(v / 255)));
  });

  it('validates channels, mean and std', () => {
    const gray: RawImage = { width: 1, height: 1, channels: 1, data: new Uint8Array(1) };
    expect(() => normalizeClip(gray)).toThrow(/must have 3 channels \(RGB\), got 1/);
    const img: RawImage = { width: 1, height: 1, channels: 3, data: new Uint8Array(3) };
    expect(() => normalizeClip(img, [0, 0])).toThrow(/mean must be 3 finite numbers, got \[0,0\]/);
    expect(() => normalizeClip(img, undefined, [1, 0, 1])).toThrow(/std must be positive, got \[1,0,1\]/);
  });
});

describe('preprocessImage / preprocessMask', () => {
  it('runs toRgb -> bicubic -> normalise and nearest -> binarise', () => {
    const gray: RawImage = { width: 2, height: 2, channels: 1, data: new Uint8Array([0, 255, 255, 0]) };
    const x = preprocessImage(gray, 3);
    expect(x.length).toBe(27);
    // Pillow: 2x2 checkerboard -> 3x3 BICUBIC = [0,128,255, 128,128,128, 255,128,0] (gray).
    const levels = [0, 128, 255, 128, 128, 128, 255, 128, 0];
    for (let p = 0; p < 9; p++) {
      for (let c = 0; c < 3; c++) {
        expect((x[p * 3 + c] * CLIP_STD[c] + CLIP_MEAN[c]) * 255).toBeCloseTo(levels[p], 4);
      }
    }
    expect(Array.from(preprocessMask(gray, 4))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(() => preprocessImage(gray, 0)).toThrow(/preprocessImage: size must be a positive integer, got 0/);
    expect(() => preprocessMask(gray, -2)).toThrow(/preprocessMask: size must be a positive integer, got -2/);
  });
});

import { describe, expect, it } from 'vitest';
import { mulberry32 } from './aaclip-model';
import { augmentPair, stageAugmentOptions } from './augment';

const W = 32;
function image(): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(W * W * 3);
  for (let i = 0; i < W * W; i++) {
    data[i * 3] = (i % W) * 8;
    data[i * 3 + 1] = Math.floor(i / W) * 8;
    data[i * 3 + 2] = 100;
  }
  return { width: W, height: W, data };
}
function mask(): Uint8Array {
  const m = new Uint8Array(W * W);
  for (let y = 4; y < 10; y++) for (let x = 20; x < 28; x++) m[y * W + x] = 1;
  return m;
}

describe('augmentPair', () => {
  it('is a pure function of the seed', () => {
    const a = augmentPair(image(), mask(), mulberry32(9), stageAugmentOptions(2));
    const b = augmentPair(image(), mask(), mulberry32(9), stageAugmentOptions(2));
    expect(a.image.data).toEqual(b.image.data);
    expect(a.mask).toEqual(b.mask);
  });

  it('flips image and mask together', () => {
    const off = { rotateP: 0, translateP: 0, vflipP: 0, hflipP: 1 };
    const r = augmentPair(image(), mask(), mulberry32(1), off);
    // pixel (x, y) comes from (W-1-x, y)
    expect(r.image.data[(5 * W + 0) * 3]).toBe((W - 1) * 8);
    for (let y = 4; y < 10; y++) for (let x = 4; x < 12; x++) expect(r.mask![y * W + x]).toBe(1);
    expect(r.mask!.reduce((s, v) => s + v, 0)).toBe(48);
    const v = augmentPair(image(), mask(), mulberry32(1), { ...off, hflipP: 0, vflipP: 1 });
    expect(v.image.data[(0 * W + 3) * 3 + 1]).toBe((W - 1) * 8);
    expect(v.mask![(W - 1 - 4) * W + 20]).toBe(1);
  });

  it('keeps the mask aligned under rotation and translation (nearest, zero fill)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const r = augmentPair(image(), mask(), mulberry32(seed), { rotateP: 1, translateP: 1, hflipP: 0, vflipP: 0 });
      const area = r.mask!.reduce((s, v) => s + v, 0);
      expect(area).toBeLessThanOrEqual(48 + 16);
      // every masked pixel has the blue value 100 of the source image (not the zero fill)
      for (let i = 0; i < W * W; i++) if (r.mask![i]) expect(r.image.data[i * 3 + 2]).toBeGreaterThan(0);
    }
  });

  it('applies colour jitter only in stage 2 and never touches the mask', () => {
    const geomOff = { rotateP: 0, translateP: 0, hflipP: 0, vflipP: 0 };
    const s1 = augmentPair(image(), mask(), mulberry32(3), { ...stageAugmentOptions(1), ...geomOff });
    expect(s1.image.data).toEqual(image().data);
    let changed = 0;
    for (let seed = 0; seed < 10; seed++) {
      const s2 = augmentPair(image(), mask(), mulberry32(seed), { ...stageAugmentOptions(2), ...geomOff });
      if (s2.image.data.some((v, i) => v !== image().data[i])) changed++;
      expect(s2.mask).toEqual(mask());
    }
    expect(changed).toBeGreaterThanOrEqual(9); // 1 - 0.3^3 of the time at least one jitter applies
  });

  it('rejects mismatched sizes with the actual numbers', () => {
    expect(() => augmentPair(image(), new Uint8Array(10), mulberry32(1))).toThrow('mask has 10 values, image is 32x32');
  });
});

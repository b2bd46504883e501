import { describe, expect, it } from 'vitest';
import type { RawImage8 } from '@aaclip/core';
import { addDefect, DEFECT_CHANGE_THRESHOLD, fillSmallHoles } from './add-defect';
import { DEFECT_KINDS, type DefectKind } from './defects';
import { generateTexture, TEXTURE_FAMILIES } from './texture';

/** Area, pixels changed outside the mask, mask pixels changed by more than the threshold, changed pixels missing from the mask. */
function audit(clean: RawImage8, image: RawImage8, mask: Uint8Array): { area: number; outside: number; strong: number; missed: number } {
  let area = 0;
  let outside = 0;
  let strong = 0;
  let missed = 0;
  for (let p = 0; p < mask.length; p++) {
    let diff = 0;
    for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(image.data[p * 3 + c]! - clean.data[p * 3 + c]!));
    if (mask[p] === 1) {
      area++;
      if (diff > DEFECT_CHANGE_THRESHOLD) strong++;
    } else {
      if (diff !== 0) outside++;
      if (diff > DEFECT_CHANGE_THRESHOLD) missed++;
    }
    if (mask[p]! > 1) throw new Error(`mask[${p}] = ${mask[p]}, expected 0 or 1`);
  }
  return { area, outside, strong, missed };
}

describe('DEFECT_KINDS', () => {
  it('lists the six kinds', () => {
    expect(DEFECT_KINDS).toEqual(['scratch', 'hole', 'stain', 'crack', 'missing', 'spot']);
  });
});

describe('addDefect', () => {
  const combos = TEXTURE_FAMILIES.flatMap((f) => DEFECT_KINDS.map((d) => [f, d] as const));

  it.each(combos)('%s x %s: exact mask covering 0.1%%..25%% of the image', (family, kind) => {
    for (const [size, seed] of [[224, 1], [64, 2], [40, 3]] as const) {
      const clean = generateTexture(family, size, seed);
      const before = clean.data.slice();
      const { image, mask } = addDefect(clean, kind, seed * 13 + 5);
      expect(Buffer.from(clean.data).equals(Buffer.from(before))).toBe(true); // input untouched
      expect(mask.length).toBe(size * size);
      expect(image.width).toBe(size);
      expect(image.channels).toBe(3);
      const { area, outside, strong, missed } = audit(clean, image, mask);
      const n = size * size;
      expect(area).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(n * 0.001)));
      expect(area).toBeLessThanOrEqual(n * 0.25);
      expect(outside).toBe(0);
      expect(missed).toBe(0);
      // only filled holes may sit in the mask without a noticeable change
      expect(strong / area).toBeGreaterThan(0.8);
    }
  });

  it('is deterministic in the seed and differs between seeds', () => {
    const clean = generateTexture('wood', 96, 4);
    for (const kind of DEFECT_KINDS) {
      const a = addDefect(clean, kind, 10);
      const b = addDefect(clean, kind, 10);
      const c = addDefect(clean, kind, 11);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
      expect(Buffer.from(a.mask).equals(Buffer.from(c.mask))).toBe(false);
    }
  });

  it('handles non-square images', () => {
    const square = generateTexture('metal', 64, 2);
    const data = new Uint8Array(64 * 40 * 3);
    data.set(square.data.subarray(0, data.length));
    const clean: RawImage8 = { width: 64, height: 40, channels: 3, data };
    for (const kind of DEFECT_KINDS) {
      const { image, mask } = addDefect(clean, kind, 3);
      expect(image.height).toBe(40);
      const { area, outside } = audit(clean, image, mask);
      expect(area).toBeGreaterThanOrEqual(3);
      expect(area).toBeLessThanOrEqual(640);
      expect(outside).toBe(0);
    }
  });

  it('finds a visible defect even on flat black or white images', () => {
    for (const v of [0, 255]) {
      const clean: RawImage8 = { width: 32, height: 32, channels: 3, data: new Uint8Array(32 * 32 * 3).fill(v) };
      for (const kind of DEFECT_KINDS) {
        const { image, mask } = addDefect(clean, kind, 1);
        const { area, outside } = audit(clean, image, mask);
        expect([v, kind, area > 0]).toEqual([v, kind, true]);
        expect(outside).toBe(0);
      }
    }
  });

  it('validates its arguments', () => {
    const img = generateTexture('dots', 32, 1);
    expect(() => addDefect(img, 'dent' as DefectKind, 1)).toThrow(
      'addDefect: kind: unknown defect kind "dent"; valid kinds: scratch, hole, stain, crack, missing, spot',
    );
    expect(() => addDefect({ width: 32, height: 32, channels: 1, data: new Uint8Array(1024) }, 'spot', 1)).toThrow(
      'addDefect: img must have 3 channels (RGB), got 1',
    );
    expect(() => addDefect({ width: 8, height: 8, channels: 3, data: new Uint8Array(192) }, 'spot', 1)).toThrow(
      'addDefect: img width must be in 16..4096, got 8',
    );
    expect(() => addDefect({ width: 32, height: 32, channels: 3, data: new Uint8Array(10) }, 'spot', 1)).toThrow(/addDefect: img: data has 10 samples/);
    expect(() => addDefect(img, 'spot', 1.25)).toThrow('addDefect: seed must be a safe integer, got 1.25');
  });
});

describe('fillSmallHoles', () => {
  it('fills enclosed holes up to the size limit and leaves border-touching regions', () => {
    // 7x7: a ring enclosing a 1-pixel hole, plus a 3x1 enclosed hole and an open notch
    const rows = [
      '1111111',
      '1011111',
      '1111111',
      '1000111',
      '1111110',
      '1111111',
      '0111111',
    ];
    const mask = Uint8Array.from(rows.join('').split('').map(Number));
    fillSmallHoles(mask, 7, 7, 2);
    const out = Array.from({ length: 7 }, (_, y) => Array.from(mask.subarray(y * 7, y * 7 + 7)).join(''));
    expect(out).toEqual(['1111111', '1111111', '1111111', '1000111', '1111110', '1111111', '0111111']);
    fillSmallHoles(mask, 7, 7, 3);
    expect(mask[3 * 7 + 1]).toBe(1);
    expect(mask[4 * 7 + 6]).toBe(0);
    expect(mask[6 * 7]).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeSyntheticPreviewPpm, overlayMaskOutline } from './preview-ppm';

describe('encodeSyntheticPreviewPpm', () => {
  it('writes a P6 header followed by the RGB bytes', () => {
    const data = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3]);
    const ppm = encodeSyntheticPreviewPpm({ width: 2, height: 2, channels: 3, data });
    const header = 'P6\n2 2\n255\n';
    expect(new TextDecoder().decode(ppm.subarray(0, header.length))).toBe(header);
    expect(Array.from(ppm.subarray(header.length))).toEqual(Array.from(data));
    expect(ppm.length).toBe(header.length + 12);
  });

  it('expands gray images to RGB', () => {
    const ppm = encodeSyntheticPreviewPpm({ width: 3, height: 1, channels: 1, data: Uint8Array.from([0, 128, 255]) });
    expect(Array.from(ppm.subarray('P6\n3 1\n255\n'.length))).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  });

  it('rejects other layouts', () => {
    expect(() => encodeSyntheticPreviewPpm({ width: 1, height: 1, channels: 4, data: new Uint8Array(4) })).toThrow(
      'encodeSyntheticPreviewPpm: img must have 1 or 3 channels, got 4',
    );
    expect(() => encodeSyntheticPreviewPpm({ width: 1, height: 1, channels: 3, data: new Float32Array(3) as unknown as Uint8Array })).toThrow(/8-bit samples/);
  });
});

describe('overlayMaskOutline', () => {
  it('paints the mask outline red and leaves the interior and outside alone', () => {
    const w = 5;
    const img = { width: w, height: w, channels: 3 as const, data: new Uint8Array(w * w * 3).fill(50) };
    const mask = new Uint8Array(w * w);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * w + x] = 1;
    const out = overlayMaskOutline(img, mask);
    const px = (x: number, y: number): number[] => Array.from(out.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(3, 2)).toEqual([255, 0, 0]);
    expect(px(2, 2)).toEqual([50, 50, 50]);
    expect(px(0, 0)).toEqual([50, 50, 50]);
    expect(img.data[(1 * w + 1) * 3]).toBe(50); // input untouched
    expect(() => overlayMaskOutline(img, new Uint8Array(3))).toThrow('overlayMaskOutline: mask must be a Uint8Array of 25 bytes, got 3');
  });
});

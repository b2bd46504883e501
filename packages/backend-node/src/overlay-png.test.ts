import { describe, expect, it } from 'vitest';
import { drawContour, overlayHeatmap, resizeMapBilinear } from '@aaclip/render';
import { decodeImage } from './image-io';
import { fakeSample } from '../../../test-utils/fake-report';
import { makeOverlayPng } from './overlay-png';

describe('makeOverlayPng', () => {
  const size = 48;
  const s = fakeSample(size, 20, 26, 7, true);

  it('resizes the map, blends it and outlines the mask, losslessly as PNG', async () => {
    const png = await makeOverlayPng(s.rgb, size, size, s.map, s.mask, { min: 0, max: 1, opacity: 0.6 });
    const img = await decodeImage(png, 'overlay.png');
    expect([img.width, img.height, img.channels]).toEqual([size, size, 3]);
    const full = resizeMapBilinear(s.map, 14, 14, size, size);
    const expected = drawContour(overlayHeatmap(s.rgb, full, { min: 0, max: 1, opacity: 0.6 }), s.mask, size, size, [0, 255, 0], 1);
    expect(Array.from(img.data)).toEqual(Array.from(expected));
    // The blob's outline is green; the blob centre (high map value) is reddish.
    const px = (x: number, y: number): number[] => Array.from(img.data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));
    expect(px(20, 19)).toEqual([0, 255, 0]);
    const centre = px(20, 26);
    expect(centre[0]).toBeGreaterThan(centre[2]);
  });

  it('accepts full-size maps without a mask and validates the map size', async () => {
    const full = resizeMapBilinear(s.map, 14, 14, size, size);
    const img = await decodeImage(await makeOverlayPng(s.rgb, size, size, full, null), 'overlay.png');
    expect(Array.from(img.data)).toEqual(Array.from(overlayHeatmap(s.rgb, full)));
    await expect(makeOverlayPng(s.rgb, size, size, new Float32Array(10), null)).rejects.toThrow(
      /makeOverlayPng: map has 10 values, which is neither 48x48 nor square/,
    );
    const wide = new Float32Array(8 * 4);
    await expect(makeOverlayPng(s.rgb, size, size, wide, null, { mapWidth: 8 })).resolves.toBeInstanceOf(Uint8Array);
  });
});

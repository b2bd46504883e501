// The browser example's overlay legend (examples/browser/src/legend.ts), without a browser: its
// numbers are in the units of the scores the page shows (anomaly probability), and its colours
// are those the overlay draws. The Chromium test (e2e.browser.test.ts) checks it on the page.
import { describe, expect, it } from 'vitest';
import { colourLegend, formatValue } from '../src/legend';
import { blendHeatmap } from '@aaclip/backend-web';

/** A probability map as the demo model gives it for a zero-shot class: tiny values (map maximum ~3e-4). */
const map = Float32Array.from({ length: 64 }, (_, i) => 1.2e-5 + (3.1e-4 - 1.2e-5) * ((i * 37) % 64) / 63);
const mapMax = map.reduce((a, b) => Math.max(a, b), -Infinity); // as core's Detector computes mapMax

describe('browser example: colour legend', () => {
  it("'image': blue to red over this image's probabilities, red being the map maximum, printed as the scores are", () => {
    const l = colourLegend(map, 'image');
    expect(l.max).toBe(mapMax);
    expect(l.min).toBe(Math.fround(1.2e-5));
    expect(l.text).toBe(`blue 1.20e-5 to red ${formatValue(mapMax)} anomaly probability (this image's range; red = map maximum)`);
    expect(formatValue(mapMax)).toBe('3.10e-4');
    // the legend's ends get the colours the overlay gives the map's extreme pixels
    const px = (v: number): number[] => {
      const rgba = new Uint8ClampedArray(4);
      blendHeatmap(rgba, 1, 1, new Float32Array([v]), 1, { opacity: 1, min: l.min, max: l.max });
      return Array.from(rgba.subarray(0, 3));
    };
    expect(l.stops[0]!.rgb).toEqual(px(l.min));
    expect(l.stops.at(-1)!.rgb).toEqual(px(mapMax));
    expect(l.stops.at(-1)!.rgb).toEqual([128, 0, 0]);
  });

  it("'probability': a fixed 0..1 scale that still names the map maximum; a flat map says so", () => {
    const l = colourLegend(map, 'probability');
    expect([l.min, l.max]).toEqual([0, 1]);
    expect(l.text).toBe(`blue 0.0000 to red 1.0000 anomaly probability (fixed scale; map maximum ${formatValue(mapMax)})`);
    expect(colourLegend(new Float32Array(4).fill(0.25), 'image').text).toBe('all blue: the anomaly probability is 0.2500 everywhere');
    expect(() => colourLegend(map, 'logit' as never)).toThrow('colour scale must be one of image, probability, got "logit"');
  });

  it('prints values as the page prints scores: 4 decimals, exponent form below 0.001', () => {
    expect([formatValue(0), formatValue(0.51234), formatValue(0.001), formatValue(0.000312), formatValue(1)]).toEqual(['0.0000', '0.5123', '0.0010', '3.12e-4', '1.0000']);
  });
});

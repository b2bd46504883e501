// What the overlay colours mean, in the units of the scores the page shows: the overlay is drawn
// over the detection's probability map (the softmax anomaly probability, 0..1), the map whose
// maximum is "map maximum" and half of "score". (The official test map, `anomalyMap`, is a sum
// over levels of (s_abnormal + 1 - s_normal) / 2 on 100-scaled similarities: another unit,
// e.g. -8.21 to -4.67 where the map maximum was 0.0003.)
import { heatmapLegend, type HeatmapLegendStop } from '@aaclip/backend-web';

/** 'image': blue to red over this image's probability range; 'probability': over 0..1. */
export type ColourScale = 'image' | 'probability';
export const COLOUR_SCALES: readonly ColourScale[] = ['image', 'probability'];

export interface ColourLegend {
  scale: ColourScale;
  /** Probability drawn dark blue. */
  min: number;
  /** Probability drawn dark red (for 'image': the map maximum). */
  max: number;
  /** Evenly spaced values with their overlay colours (one stop when the range is empty). */
  stops: HeatmapLegendStop[];
  /** The legend as the page shows it. */
  text: string;
}

/**
 * A probability or score as the page prints it: 4 decimals, or 3 significant digits in
 * exponent form below 0.001 (a zero-shot model's probabilities can be tiny: 0.0003 printed as
 * 0.0003 hides the 1.2e-5 at the other end).
 *
 * @example formatValue(0.51234); // '0.5123'
 * @example formatValue(0.000312); // '3.12e-4'
 */
export function formatValue(v: number): string {
  return v === 0 || Math.abs(v) >= 0.001 ? v.toFixed(4) : v.toExponential(2);
}

/**
 * The colour range and legend of an overlay of `probabilityMap` (values in 0..1).
 *
 * @example colourLegend(detection.probabilityMap, 'image').text; // 'blue 1.20e-5 to red 3.12e-4 anomaly probability (this image's range; red = map maximum)'
 */
export function colourLegend(probabilityMap: Float32Array, scale: ColourScale): ColourLegend {
  if (!COLOUR_SCALES.includes(scale)) throw new Error(`colour scale must be one of ${COLOUR_SCALES.join(', ')}, got ${JSON.stringify(scale)}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of probabilityMap) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) throw new Error('colour legend: the probability map is empty or not finite');
  const [min, max] = scale === 'image' ? [lo, hi] : [0, 1];
  const stops = heatmapLegend(min, max);
  const text =
    scale === 'probability'
      ? `blue ${formatValue(0)} to red ${formatValue(1)} anomaly probability (fixed scale; map maximum ${formatValue(hi)})`
      : max > min
        ? `blue ${formatValue(min)} to red ${formatValue(max)} anomaly probability (this image's range; red = map maximum)`
        : `all blue: the anomaly probability is ${formatValue(min)} everywhere`;
  return { scale, min, max, stops, text };
}

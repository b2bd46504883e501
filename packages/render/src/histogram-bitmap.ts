import { binScores, niceTicks, type HistogramBinOptions, type ScoreHistogram, type ScoreSets } from './histogram-data';
import { checkSize } from './validate';

/** Colour of the normal-score bars (matplotlib's tab:blue). */
export const NORMAL_COLOR: readonly [number, number, number] = [31, 119, 180];
/** Colour of the anomalous-score bars (matplotlib's tab:red). */
export const ANOMALOUS_COLOR: readonly [number, number, number] = [214, 39, 40];
/** Colour of the horizontal grid lines (drawn under the bars). */
export const GRID_COLOR: readonly [number, number, number] = [225, 225, 225];
/** Opacity of the bars (overlaps mix both colours). */
export const BAR_OPACITY = 0.5;

/** Options of {@link renderHistogram}. */
export interface HistogramBitmapOptions extends HistogramBinOptions {
  width: number;
  height: number;
}

/** Plot rectangle inside the bitmap: columns [left, right), rows [top, bottom). Axes lie just outside it. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where {@link renderHistogram} puts the plot inside a `width x height` bitmap. */
export function histogramPlotArea(width: number, height: number): PlotArea {
  const left = Math.max(8, Math.round(width * 0.08));
  const bottom = height - Math.max(8, Math.round(height * 0.08));
  const top = Math.max(4, Math.round(height * 0.04));
  const right = width - Math.max(4, Math.round(width * 0.03));
  return { left, top, right, bottom };
}

/** Column span [x0, x1) of bin `b` inside the plot area. */
export function binColumns(area: PlotArea, bins: number, b: number): [number, number] {
  const w = area.right - area.left;
  return [area.left + Math.floor((b * w) / bins), area.left + Math.floor(((b + 1) * w) / bins)];
}

/** Number of pixel rows a bar of `value` fills (out of the plot height) for a y-axis top of `yMax`. */
export function barRows(area: PlotArea, value: number, yMax: number): number {
  if (!(yMax > 0)) return 0;
  return Math.round((value / yMax) * (area.bottom - area.top));
}

/** Top of the y axis: the largest bar plus 5 % headroom. */
export function histogramYMax(h: ScoreHistogram): number {
  return h.maxHeight * 1.05;
}

function fillRect(img: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number, c: readonly number[], alpha = 1): void {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) img[o + k] = Math.round((1 - alpha) * img[o + k] + alpha * c[k]);
    }
  }
}

/**
 * Draws the score histograms of normal (blue) and anomalous (red) samples as two overlaid
 * semi-transparent bar charts (overlaps look purple) on a white RGB bitmap, with x and y axes,
 * tick marks at "nice" values and light horizontal grid lines. No text is drawn: use
 * {@link histogramSvg} for a labelled chart.
 *
 * Bars are `BAR_OPACITY` blends: normal first, then anomalous. Heights are fractions of each set
 * by default (`scale: 'count'` for raw counts); the y axis tops at 1.05 x the largest bar.
 *
 * @returns `height * width * 3` RGB bytes.
 * @example
 * const rgb = renderHistogram({ normal: normalScores, anomalous: anomalousScores }, { width: 400, height: 240, bins: 30 });
 */
export function renderHistogram(data: ScoreSets, opts: HistogramBitmapOptions): Uint8Array {
  const fn = 'renderHistogram';
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${fn}: opts { width, height } is required`);
  const { width, height } = opts;
  checkSize(fn, 'width', width);
  checkSize(fn, 'height', height);
  if (width < 32 || height < 32) throw new RangeError(`${fn}: the bitmap must be at least 32x32, got ${width}x${height}`);
  const h = binScores(data, opts);
  const bins = h.edges.length - 1;
  const area = histogramPlotArea(width, height);
  const img = new Uint8Array(width * height * 3).fill(255);
  const yMax = histogramYMax(h);
  const lo = h.edges[0];
  const hi = h.edges[bins];
  const plotW = area.right - area.left;
  const black = [0, 0, 0];
  // Grid lines and y ticks.
  const yTicks = yMax > 0 ? niceTicks(0, yMax, 4) : [];
  for (const v of yTicks) {
    const y = area.bottom - barRows(area, v, yMax);
    if (y < area.top) continue;
    if (v > 0) fillRect(img, width, area.left, y, area.right, y + 1, GRID_COLOR);
    fillRect(img, width, area.left - 5, y, area.left - 1, y + 1, black);
  }
  // Bars.
  const sets: Array<[Float64Array, readonly number[]]> = [
    [h.normalHeights, NORMAL_COLOR],
    [h.anomalousHeights, ANOMALOUS_COLOR],
  ];
  for (const [heights, color] of sets) {
    for (let b = 0; b < bins; b++) {
      const rows = barRows(area, heights[b], yMax);
      if (rows <= 0) continue;
      const [x0, x1] = binColumns(area, bins, b);
      fillRect(img, width, x0, area.bottom - rows, x1, area.bottom, color, BAR_OPACITY);
    }
  }
  // Axes and x ticks.
  fillRect(img, width, area.left - 1, area.top, area.left, area.bottom + 1, black);
  fillRect(img, width, area.left - 1, area.bottom, area.right, area.bottom + 1, black);
  for (const v of niceTicks(lo, hi, 5)) {
    const x = Math.min(area.right - 1, area.left + Math.round(((v - lo) / (hi - lo)) * plotW));
    fillRect(img, width, x, area.bottom + 1, x + 1, Math.min(height, area.bottom + 5), black);
  }
  return img;
}

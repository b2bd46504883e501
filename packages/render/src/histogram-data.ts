import { checkOptionalFinite, checkSize } from './validate';

/** Scores of normal and anomalous samples (e.g. image scores of one class). */
export interface ScoreSets {
  normal: ArrayLike<number>;
  anomalous: ArrayLike<number>;
}

/** Binning options shared by {@link renderHistogram} and {@link histogramSvg}. */
export interface HistogramBinOptions {
  /** Number of equal-width bins (default 20). */
  bins?: number;
  /** Lower edge of the first bin (default: the smallest score of both sets). */
  min?: number;
  /** Upper edge of the last bin (default: the largest score of both sets). */
  max?: number;
  /** Bar height: 'fraction' of each set's samples (default; sets of different sizes compare), or raw 'count'. */
  scale?: 'fraction' | 'count';
}

/** Binned scores of both sets, ready to draw. */
export interface ScoreHistogram {
  /** `bins + 1` bin edges, ascending. */
  edges: Float64Array;
  normalCounts: Uint32Array;
  anomalousCounts: Uint32Array;
  /** Bar heights in the chosen scale. */
  normalHeights: Float64Array;
  anomalousHeights: Float64Array;
  /** Largest bar height of both sets (0 when there is no data). */
  maxHeight: number;
  scale: 'fraction' | 'count';
  /** Sample counts of each set. */
  normalTotal: number;
  anomalousTotal: number;
}

/**
 * Counts `values` into `bins` equal-width bins over [lo, hi], like `numpy.histogram`: bins are
 * half-open `[edge_i, edge_i+1)` except the last, which includes `hi`; values outside [lo, hi]
 * are not counted.
 *
 * @throws RangeError for a non-finite value (naming its index) or an invalid range.
 * @example
 * histogramCounts([0, 0.1, 0.5, 1], 2, 0, 1); // Uint32Array [2, 2]
 */
export function histogramCounts(values: ArrayLike<number>, bins: number, lo: number, hi: number, name = 'values'): Uint32Array {
  const fn = 'histogramCounts';
  checkSize(fn, 'bins', bins);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new RangeError(`${fn}: need finite lo < hi, got lo=${lo}, hi=${hi}`);
  }
  const counts = new Uint32Array(bins);
  const scale = bins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; scores must be finite`);
    if (v < lo || v > hi) continue;
    counts[v === hi ? bins - 1 : Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  return counts;
}

function extent(a: ArrayLike<number>, acc: [number, number]): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < acc[0]) acc[0] = v;
    if (v > acc[1]) acc[1] = v;
  }
}

/**
 * Bins the normal and anomalous scores over a common range (see {@link HistogramBinOptions}).
 * With no `min`/`max` the range spans both sets; a degenerate range (one distinct value, or no
 * data) is widened to `[v - 0.5, v + 0.5]` (`[0, 1]` without data).
 *
 * @example
 * const h = binScores({ normal: [0.1, 0.2], anomalous: [0.9] }, { bins: 10, min: 0, max: 1 });
 * h.normalCounts[1]; // 1
 */
export function binScores(data: ScoreSets, opts: HistogramBinOptions = {}): ScoreHistogram {
  const fn = 'binScores';
  if (data === null || typeof data !== 'object' || !isArrayLike(data.normal) || !isArrayLike(data.anomalous)) {
    throw new TypeError(`${fn}: data must be { normal: number[]; anomalous: number[] }`);
  }
  const bins = opts.bins ?? 20;
  checkSize(fn, 'bins', bins);
  checkOptionalFinite(fn, 'min', opts.min);
  checkOptionalFinite(fn, 'max', opts.max);
  const scale = opts.scale ?? 'fraction';
  if (scale !== 'fraction' && scale !== 'count') throw new RangeError(`${fn}: scale must be 'fraction' or 'count', got ${String(scale)}`);
  const acc: [number, number] = [Infinity, -Infinity];
  extent(data.normal, acc);
  extent(data.anomalous, acc);
  let lo = opts.min ?? acc[0];
  let hi = opts.max ?? acc[1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    // No data (or a non-finite score, reported by histogramCounts below).
    if (opts.min === undefined && opts.max === undefined) [lo, hi] = [0, 1];
    else if (!Number.isFinite(lo)) lo = hi - 1;
    else hi = lo + 1;
  }
  if (hi < lo) throw new RangeError(`${fn}: max (${hi}) is below min (${lo})`);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const normalCounts = histogramCounts(data.normal, bins, lo, hi, 'normal');
  const anomalousCounts = histogramCounts(data.anomalous, bins, lo, hi, 'anomalous');
  const heights = (c: Uint32Array, total: number): Float64Array =>
    Float64Array.from(c, (k) => (scale === 'count' ? k : total > 0 ? k / total : 0));
  const normalHeights = heights(normalCounts, data.normal.length);
  const anomalousHeights = heights(anomalousCounts, data.anomalous.length);
  let maxHeight = 0;
  for (const h of [normalHeights, anomalousHeights]) for (const v of h) maxHeight = Math.max(maxHeight, v);
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  return {
    edges,
    normalCounts,
    anomalousCounts,
    normalHeights,
    anomalousHeights,
    maxHeight,
    scale,
    normalTotal: data.normal.length,
    anomalousTotal: data.anomalous.length,
  };
}

function isArrayLike(a: unknown): a is ArrayLike<number> {
  return Array.isArray(a) || ArrayBuffer.isView(a);
}

/**
 * "Nice" tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi] with about
 * `target` ticks; only ticks inside [lo, hi] are returned.
 *
 * @example
 * niceTicks(0, 1, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  const step = (f < Math.SQRT2 ? 1 : f < Math.sqrt(10) ? 2 : f < Math.sqrt(50) ? 5 : 10) * pow;
  const first = Math.ceil(lo / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k * step <= hi + step * 1e-9; k++) {
    // Round away float noise such as 0.30000000000000004.
    ticks.push(Number.parseFloat((k * step).toPrecision(12)));
  }
  return ticks;
}

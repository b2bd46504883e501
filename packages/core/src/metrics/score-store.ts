/**
 * Storage behind the metric accumulators: exact (every score kept, sorted at compute time) up to
 * a cap, then a bounded-memory histogram (see {@link ScoreHistogram}).
 */
import { ScoreBuffer, Uint32Buffer } from './chunked-buffer';
import { CurvePass } from './curve-pass';
import { sortFloat32InPlace, sortFloat64InPlace } from './radix-sort';
import { ScoreHistogram } from './score-histogram';

/** Options shared by the accumulators. */
export interface ScoreStoreOptions {
  /**
   * Most scores kept exactly (positives + negatives). Beyond it the accumulator switches, once
   * and for good, to histograms of `histogramBins` bins. Default 2^26 = 67,108,864.
   */
  maxExactScores?: number;
  /** Histogram bins of the bounded mode, a power of two. Default 2^20. */
  histogramBins?: number;
}

export const DEFAULT_MAX_EXACT_SCORES = 2 ** 26;
export const DEFAULT_HISTOGRAM_BINS = 2 ** 20;

const NEG = 0;
const POS = 1;
const WEIGHT = 2;

/** Maps a stored score to the value the metrics see (monotone non-decreasing), or identity. */
export type ScoreTransform = ((s: number) => number) | undefined;

export class ScoreStore {
  readonly maxExact: number;
  readonly bins: number;
  private readonly trackRegions: boolean;
  private neg = new ScoreBuffer();
  private pos = new ScoreBuffer();
  private reg = new Uint32Buffer();
  /** 1 / size of every region, by global region id (exact mode). */
  readonly invSizes: number[] = [];
  hist: ScoreHistogram | null = null;
  nNeg = 0;
  nPos = 0;
  /** Whether the stored scores are sorted (no add since the last compute). */
  private sorted = false;
  min = Infinity;
  max = -Infinity;

  constructor(options: ScoreStoreOptions, trackRegions: boolean) {
    const maxExact = options.maxExactScores ?? DEFAULT_MAX_EXACT_SCORES;
    const bins = options.histogramBins ?? DEFAULT_HISTOGRAM_BINS;
    if (!Number.isInteger(maxExact) || maxExact < 0) {
      throw new Error(`metrics: maxExactScores must be a non-negative integer, got ${maxExact}`);
    }
    if (!Number.isInteger(bins) || bins < 2 || (bins & (bins - 1)) !== 0 || bins > 2 ** 26) {
      throw new Error(`metrics: histogramBins must be a power of two in [2, 2^26], got ${bins}`);
    }
    this.maxExact = maxExact;
    this.bins = bins;
    this.trackRegions = trackRegions;
  }

  /** True once the store holds histograms instead of scores. */
  get bounded(): boolean {
    return this.hist !== null;
  }

  /** True when stored scores are float32 (every score so far was float32-exact). */
  get float32(): boolean {
    return !this.neg.isFloat64 && !this.pos.isFloat64;
  }

  /**
   * Prepares for `count` more scores spanning [min, max]: switches to histograms when the cap
   * would be exceeded, widens the histogram range, and widens storage to float64 when the batch
   * is not float32-exact.
   */
  reserve(count: number, min: number, max: number, float32Exact: boolean): void {
    if (count === 0) return;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    if (this.hist === null && this.nNeg + this.nPos + count > this.maxExact) this.toHistogram();
    if (this.hist !== null) {
      this.hist.cover(min, max);
    } else if (!float32Exact) {
      this.neg.upgradeToFloat64();
      this.pos.upgradeToFloat64();
    }
  }

  private toHistogram(): void {
    const h = new ScoreHistogram(this.bins, this.min, this.max, this.trackRegions ? 3 : 2);
    const hn = h.layers[NEG]!;
    const hp = h.layers[POS]!;
    const neg = this.neg.compact();
    for (let i = 0; i < neg.length; i++) hn[h.binOf(neg[i]!)]!++;
    const pos = this.pos.compact();
    const reg = this.trackRegions ? this.reg.compact() : null;
    const hw = this.trackRegions ? h.layers[WEIGHT]! : null;
    for (let i = 0; i < pos.length; i++) {
      const b = h.binOf(pos[i]!);
      hp[b]!++;
      if (hw !== null) hw[b]! += this.invSizes[reg![i]!]!;
    }
    this.neg.clear();
    this.pos.clear();
    this.reg.clear();
    this.hist = h;
  }

  /** Adds one negative score (after {@link reserve}). */
  addNegative(s: number): void {
    this.nNeg++;
    this.sorted = false;
    if (this.hist === null) this.neg.push(s);
    else this.hist.layers[NEG]![this.hist.binOf(s)]!++;
  }

  /** Adds one positive score of region `region` (global id; ignored without regions). */
  addPositive(s: number, region: number): void {
    this.nPos++;
    this.sorted = false;
    if (this.hist === null) {
      this.pos.push(s);
      if (this.trackRegions) this.reg.push(region);
    } else {
      const b = this.hist.binOf(s);
      this.hist.layers[POS]![b]!++;
      if (this.trackRegions) this.hist.layers[WEIGHT]![b]! += this.invSizes[region]!;
    }
  }

  /** Registers a region of `size` pixels and returns its global id. */
  addRegion(size: number): number {
    this.invSizes.push(1 / size);
    return this.invSizes.length - 1;
  }

  /** Runs every stored group through `pass` in descending order of transformed score. */
  run(pass: CurvePass, transform: ScoreTransform): void {
    if (this.hist !== null) {
      this.runHistogram(pass, transform);
      return;
    }
    const neg = this.neg.compact();
    const pos = this.pos.compact();
    const reg = this.trackRegions ? this.reg.compact() : undefined;
    if (!this.sorted) {
      if (neg instanceof Float32Array) sortFloat32InPlace(neg);
      else sortFloat64InPlace(neg);
      if (pos instanceof Float32Array) sortFloat32InPlace(pos, reg);
      else sortFloat64InPlace(pos, reg);
      this.sorted = true;
    }
    const inv = this.invSizes;
    let i = neg.length - 1;
    let j = pos.length - 1;
    const g = transform;
    while (i >= 0 || j >= 0) {
      const a = i >= 0 ? (g ? g(neg[i]!) : neg[i]!) : -Infinity;
      const b = j >= 0 ? (g ? g(pos[j]!) : pos[j]!) : -Infinity;
      const s = a > b ? a : b;
      let dn = 0;
      let dp = 0;
      let dw = 0;
      if (g === undefined) {
        while (i >= 0 && neg[i] === s) {
          dn++;
          i--;
        }
        if (reg !== undefined) {
          while (j >= 0 && pos[j] === s) {
            dw += inv[reg[j]!]!;
            dp++;
            j--;
          }
        } else {
          while (j >= 0 && pos[j] === s) {
            dp++;
            j--;
          }
        }
      } else {
        while (i >= 0 && g(neg[i]!) === s) {
          dn++;
          i--;
        }
        while (j >= 0 && g(pos[j]!) === s) {
          if (reg !== undefined) dw += inv[reg[j]!]!;
          dp++;
          j--;
        }
      }
      pass.group(s, dn, dp, dw);
    }
  }

  private runHistogram(pass: CurvePass, transform: ScoreTransform): void {
    const h = this.hist!;
    const hn = h.layers[NEG]!;
    const hp = h.layers[POS]!;
    const hw = this.trackRegions ? h.layers[WEIGHT]! : null;
    // Bins with equal transformed edges merge into one group (the transform may create ties).
    let s = NaN;
    let dn = 0;
    let dp = 0;
    let dw = 0;
    for (let b = h.bins - 1; b >= 0; b--) {
      if (hn[b] === 0 && hp[b] === 0) continue;
      const e = transform ? transform(h.edge(b)) : h.edge(b);
      if (e !== s && (dn > 0 || dp > 0)) {
        pass.group(s, dn, dp, dw);
        dn = dp = dw = 0;
      }
      s = e;
      dn += hn[b]!;
      dp += hp[b]!;
      if (hw !== null) dw += hw[b]!;
    }
    if (dn > 0 || dp > 0) pass.group(s, dn, dp, dw);
  }
}

/**
 * One descending pass over the distinct score thresholds ("groups") of a binary problem, computing
 * every curve metric at once: AUROC, average precision, F1-max, AUPRO (anomalib definition) and
 * the AnomalyCLIP 200-step AUPRO.
 *
 * A group is (score s, dNeg negatives equal to s, dPos positives equal to s, dW = sum over those
 * positives of 1 / size of their region). Groups arrive in strictly descending score order, so
 * after a group the running counts are those of "score >= s". Ties form one threshold (the
 * scikit-learn convention). In the bounded-memory mode a group is one histogram bin (score = its
 * left edge) and the pass also accumulates error bounds.
 */

/** Totals known before the pass starts. */
export interface PassTotals {
  negatives: number;
  positives: number;
  /** Number of connected anomalous regions (0 when AUPRO is not tracked). */
  regions: number;
}

/** Raw results of one pass (before degenerate cases are mapped to NaN by the callers). */
export interface PassResult {
  auroc: number;
  averagePrecision: number;
  f1Max: number;
  f1Threshold: number;
  aupro: number;
  aupro200: number;
  /** 0.5 * (positive-negative pairs sharing a group) / (P * N): exact error bound in bin mode. */
  aurocErrorBound: number;
  /** Bound on |AUPRO(binned) - AUPRO(exact)| in bin mode (sum of bin boxes, see docs). */
  auproErrorBound: number;
}

/** Neumaier-compensated running sum. */
class CompensatedSum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

export class CurvePass {
  private readonly nNeg: number;
  private readonly nPos: number;
  private readonly nReg: number;
  private readonly limit: number;
  private tp = 0;
  private fp = 0;
  private w = 0;
  private auc2 = 0; // sum of dNeg * (2 tp_before + dPos), exact integers below 2^53
  private tiePairs = 0;
  private readonly ap = new CompensatedSum();
  private f1 = -Infinity;
  private f1At = NaN;
  private readonly proArea = new CompensatedSum();
  private proDone = false;
  private proBound = 0;
  /** AnomalyCLIP thresholds (ascending) and the counts strictly above each. */
  private readonly th: Float64Array;
  private k: number;
  private readonly negAbove: Float64Array;
  private readonly wAbove: Float64Array;

  /**
   * @param totals class totals.
   * @param fprLimit FPR integration limit of the AUPROs (e.g. 0.3).
   * @param thresholds200 ascending thresholds of the AnomalyCLIP AUPRO (empty to skip it).
   */
  constructor(totals: PassTotals, fprLimit: number, thresholds200: Float64Array) {
    this.nNeg = totals.negatives;
    this.nPos = totals.positives;
    this.nReg = totals.regions;
    this.limit = fprLimit;
    this.th = thresholds200;
    this.k = thresholds200.length - 1;
    this.negAbove = new Float64Array(thresholds200.length);
    this.wAbove = new Float64Array(thresholds200.length);
  }

  /** Adds the next group (scores strictly below every previous group's score). */
  group(s: number, dNeg: number, dPos: number, dW: number): void {
    // AnomalyCLIP thresholds th >= s see exactly the groups processed so far (scores > th).
    while (this.k >= 0 && this.th[this.k]! >= s) {
      this.negAbove[this.k] = this.fp;
      this.wAbove[this.k] = this.w;
      this.k--;
    }
    const tp0 = this.tp;
    const fp0 = this.fp;
    const w0 = this.w;
    this.auc2 += dNeg * (2 * tp0 + dPos);
    this.tiePairs += dNeg * dPos;
    const tp = tp0 + dPos;
    const fp = fp0 + dNeg;
    this.tp = tp;
    this.fp = fp;
    this.w = w0 + dW;
    if (dPos > 0) {
      this.ap.add((dPos / this.nPos) * (tp / (tp + fp)));
      const f1 = (2 * tp) / (tp + fp + this.nPos);
      if (f1 > this.f1) {
        this.f1 = f1;
        this.f1At = s;
      }
    }
    if (!this.proDone && this.nReg > 0 && dNeg > 0) {
      const L = this.limit;
      const f0 = fp0 / this.nNeg;
      const f1 = fp / this.nNeg;
      const p0 = w0 / this.nReg;
      const p1 = this.w / this.nReg;
      if (f1 <= L) {
        this.proArea.add(((f1 - f0) * (p0 + p1)) / 2);
        this.proBound += 0.5 * (f1 - f0) * (p1 - p0);
        if (f1 === L) this.proDone = true;
      } else {
        const pL = p0 + ((p1 - p0) * (L - f0)) / (f1 - f0);
        this.proArea.add(((L - f0) * (p0 + pL)) / 2);
        this.proBound += (f1 - f0) * (p1 - p0);
        this.proDone = true;
      }
    }
  }

  /** Finishes the pass. */
  finish(): PassResult {
    while (this.k >= 0) {
      this.negAbove[this.k] = this.fp;
      this.wAbove[this.k] = this.w;
      this.k--;
    }
    const pn = this.nPos * this.nNeg;
    return {
      auroc: this.auc2 / (2 * pn),
      averagePrecision: this.ap.value,
      f1Max: this.f1 === -Infinity ? NaN : this.f1,
      f1Threshold: this.f1At,
      aupro: this.proArea.value / this.limit,
      aupro200: this.aupro200(),
      aurocErrorBound: (0.5 * this.tiePairs) / pn,
      auproErrorBound: this.proBound / this.limit,
    };
  }

  /**
   * AnomalyCLIP `cal_pro_score`: keep thresholds with FPR < limit (strict), min-max normalise
   * their FPRs, trapezoid of PRO over the normalised FPR (scikit-learn `auc`, which orients a
   * decreasing x axis). NaN when fewer than two distinct FPRs survive.
   */
  private aupro200(): number {
    const n = this.th.length;
    if (n === 0 || this.nReg === 0 || this.nNeg === 0) return NaN;
    let lo = Infinity;
    let hi = -Infinity;
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      const f = this.negAbove[i]! / this.nNeg;
      if (f < this.limit) {
        keep.push(i);
        if (f < lo) lo = f;
        if (f > hi) hi = f;
      }
    }
    if (keep.length === 0 || !(hi > lo)) return NaN;
    let area = 0;
    for (let a = 0; a + 1 < keep.length; a++) {
      const i = keep[a]!;
      const j = keep[a + 1]!;
      const x0 = (this.negAbove[i]! / this.nNeg - lo) / (hi - lo);
      const x1 = (this.negAbove[j]! / this.nNeg - lo) / (hi - lo);
      const y0 = this.wAbove[i]! / this.nReg;
      const y1 = this.wAbove[j]! / this.nReg;
      area += ((x1 - x0) * (y0 + y1)) / 2;
    }
    // FPR falls as the threshold rises, so the x axis is decreasing: auc() flips the sign.
    return -area;
  }
}

/**
 * The AnomalyCLIP threshold grid, as `np.arange(min, max, (max - min) / steps)` computes it:
 * delta = (max - min) / steps, length ceil((max - min) / delta), t0 = min, t1 = min + delta,
 * ti = t0 + i * (t1 - t0) in float64. With `float32` (float32 maps give numpy float32 scalars),
 * delta, the length and t1 are computed in float32 and the rest in float64, which is what numpy
 * does (the arange result itself is float64). Empty when max <= min.
 *
 * @example
 * anomalyClipThresholds(0, 1, 4, false); // Float64Array [0, 0.25, 0.5, 0.75]
 */
export function anomalyClipThresholds(min: number, max: number, steps: number, float32: boolean): Float64Array {
  if (!(max > min)) return new Float64Array(0);
  const r = float32 ? Math.fround : (x: number) => x;
  const range = r(max - min);
  const delta = r(range / steps);
  if (!(delta > 0)) return new Float64Array(0);
  const len = Math.ceil(r(range / delta));
  const out = new Float64Array(len);
  out[0] = min;
  if (len > 1) out[1] = r(min + delta);
  const d = out[1]! - out[0]!;
  for (let i = 2; i < len; i++) out[i] = min + i * d;
  return out;
}

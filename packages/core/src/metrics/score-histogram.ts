/**
 * Fixed-size histograms over a shared, growing score range: the bounded-memory mode of the
 * metric accumulators.
 *
 * The range starts as [min, max] of the scores seen when the histogram is created and
 * `bins` (a power of two) equal-width bins cover it. A score outside the range doubles the width
 * as many times as needed (merging 2^k adjacent bins, keeping the opposite edge fixed), so the
 * bin width always stays below 2 * (max - min) / bins + the initial width; every count is kept.
 * Several named layers (negative counts, positive counts, positive region weights) share the
 * same bins.
 */
export class ScoreHistogram {
  readonly bins: number;
  /** Left edge of bin 0. */
  lo: number;
  /** Bin width (> 0). */
  width: number;
  readonly layers: Float64Array[];

  /**
   * @param bins number of bins, a power of two >= 2.
   * @param lo,hi initial range (hi >= lo; equal values get a small positive width).
   * @param layerCount number of count layers sharing the bins.
   */
  constructor(bins: number, lo: number, hi: number, layerCount: number) {
    if (!Number.isInteger(bins) || bins < 2 || (bins & (bins - 1)) !== 0) {
      throw new Error(`ScoreHistogram: bins must be a power of two >= 2, got ${bins}`);
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
      throw new Error(`ScoreHistogram: invalid initial range [${lo}, ${hi}]`);
    }
    this.bins = bins;
    this.lo = lo;
    const span = hi - lo;
    this.width = span > 0 ? span / bins : Math.max(Math.abs(lo) * 2 ** -30, 2 ** -60) / bins;
    this.layers = Array.from({ length: layerCount }, () => new Float64Array(bins));
  }

  /** Right edge of the last bin. */
  get hi(): number {
    return this.lo + this.bins * this.width;
  }

  /** Grows the range (if needed) so that [min, max] is covered. */
  cover(min: number, max: number): void {
    if (max >= this.hi) {
      let f = 1;
      while (this.lo + this.bins * this.width * f <= max) f *= 2;
      if (f > 1) this.mergeUp(f);
    }
    if (min < this.lo) {
      const hi = this.hi;
      let f = 1;
      while (hi - this.bins * this.width * f > min) f *= 2;
      if (f > 1) this.mergeDown(f, hi);
    }
  }

  /** Keeps `lo`, multiplies the width by f (power of two). */
  private mergeUp(f: number): void {
    const nb = this.bins;
    for (const h of this.layers) {
      for (let j = 0; j < nb; j++) {
        let s = 0;
        if (j * f < nb) for (let k = j * f; k < Math.min(nb, j * f + f); k++) s += h[k]!;
        h[j] = s;
      }
    }
    this.width *= f;
  }

  /** Keeps the right edge `hi`, multiplies the width by f (power of two). */
  private mergeDown(f: number, hi: number): void {
    const nb = this.bins;
    for (const h of this.layers) {
      for (let j = nb - 1; j >= 0; j--) {
        // new bin j covers old bins [nb - (nb - j) * f, nb - (nb - j - 1) * f)
        const end = nb - (nb - 1 - j) * f;
        const start = end - f;
        let s = 0;
        if (end > 0) for (let k = Math.max(0, start); k < end; k++) s += h[k]!;
        h[j] = s;
      }
    }
    this.width *= f;
    this.lo = hi - nb * this.width;
  }

  /** Bin of a score inside the covered range. */
  binOf(x: number): number {
    const b = Math.floor((x - this.lo) / this.width);
    return b < 0 ? 0 : b >= this.bins ? this.bins - 1 : b;
  }

  /** Left edge of bin b. */
  edge(b: number): number {
    return this.lo + b * this.width;
  }
}

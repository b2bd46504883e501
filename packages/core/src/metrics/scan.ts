/** Input checks shared by the metric accumulators. */

/** Summary of a score array. */
export interface ScoreScan {
  min: number;
  max: number;
  /** Every value is exactly representable in float32. */
  float32Exact: boolean;
}

/**
 * Min, max and float32-exactness of `scores[offset .. offset + count)`; throws on a non-finite
 * score, naming `what` and the index.
 */
export function scanScores(scores: ArrayLike<number>, what: string, offset = 0, count = scores.length - offset): ScoreScan {
  let min = Infinity;
  let max = -Infinity;
  const f32 = scores instanceof Float32Array;
  let exact = true;
  for (let i = offset; i < offset + count; i++) {
    const v = scores[i]!;
    if (!(v - v === 0)) {
      throw new Error(`${what}: score at index ${i} is ${v}; scores must be finite numbers`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (!f32 && exact && Math.fround(v) !== v) exact = false;
  }
  return { min, max, float32Exact: exact };
}

/** Throws when a label is NaN (labels are positive when != 0). */
export function checkLabels(labels: ArrayLike<number>, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v !== v) throw new Error(`${what}: label at index ${i} is NaN; labels must be 0 (normal) or non-zero (anomalous)`);
  }
}

/** Throws unless `arr` has `expected` elements. */
export function checkLength(arr: ArrayLike<number>, expected: number, what: string): void {
  if (arr.length !== expected) {
    throw new Error(`${what}: expected ${expected} elements, got ${arr.length}`);
  }
}

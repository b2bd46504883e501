// Numbers for comparing anomaly maps in the end-to-end test.

/** Largest |a[i] - b[i]| (NaN anywhere gives Infinity). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Largest |a[i]|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Mean of a square `size x size` map inside and outside a `width x height` mask (nearest
 * sampling of the mask at each map pixel's centre).
 */
export function maskMeans(map: ArrayLike<number>, size: number, mask: Uint8Array, width: number, height: number): { inside: number; outside: number; fraction: number } {
  if (map.length !== size * size) throw new RangeError(`maskMeans: map has ${map.length} values, expected ${size}x${size}`);
  if (mask.length !== width * height) throw new RangeError(`maskMeans: mask has ${mask.length} values, expected ${width}x${height}`);
  let inSum = 0;
  let inN = 0;
  let outSum = 0;
  for (let y = 0; y < size; y++) {
    const my = Math.min(height - 1, Math.floor(((y + 0.5) * height) / size));
    for (let x = 0; x < size; x++) {
      const mx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / size));
      const v = map[y * size + x]!;
      if (mask[my * width + mx]) {
        inSum += v;
        inN++;
      } else outSum += v;
    }
  }
  if (inN === 0 || inN === size * size) throw new Error(`maskMeans: the mask covers ${inN} of ${size * size} map pixels; need some of both`);
  return { inside: inSum / inN, outside: outSum / (size * size - inN), fraction: inN / (size * size) };
}

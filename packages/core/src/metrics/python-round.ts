/**
 * Python's `round(x, ndigits)` for floats: the decimal value of x rounded to `ndigits` digits
 * (ties to even, judged on the exact binary value), returned as the nearest double.
 *
 * `Number.prototype.toFixed` already rounds the exact value correctly but breaks exact ties away
 * from zero; an exact tie at d digits means x * 2^(d+1) is an odd integer, which is checked.
 *
 * @example
 * pythonRound(0.7980006553376118, 4) * 100; // 79.80000000000001, like Python
 * pythonRound(0.03125, 4); // 0.0312 (tie to even; toFixed would give 0.0313)
 */
export function pythonRound(x: number, ndigits: number): number {
  if (!Number.isInteger(ndigits) || ndigits < 0 || ndigits > 20) {
    throw new Error(`pythonRound: ndigits must be an integer in [0, 20], got ${ndigits}`);
  }
  if (!Number.isFinite(x) || x === 0) return x;
  const ax = Math.abs(x);
  if (ax >= 1e15) return x; // already an integer at this precision
  let s = ax.toFixed(ndigits);
  const t = ax * 2 ** (ndigits + 1); // exact (power of two scaling)
  if (Number.isInteger(t) && t % 2 === 1) {
    // Exact tie: the value has ndigits + 1 decimals ending in 5. Keep the truncation when its last
    // digit is even, otherwise the rounded-up string toFixed produced.
    const exact = ax.toFixed(ndigits + 1);
    let down = exact.slice(0, -1);
    if (down.endsWith('.')) down = down.slice(0, -1);
    const last = down.charCodeAt(down.length - 1) - 48;
    if (last % 2 === 0) s = down;
  }
  const r = Number.parseFloat(s);
  return x < 0 ? -r : r;
}

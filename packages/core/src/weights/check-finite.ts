/**
 * NaN / Infinity detection for loaded weights: a file can be well-formed and still hold
 * values that poison every output (a diverged training run, a bad conversion).
 */
import type { TensorMap } from './named-tensor';
import { NonFiniteWeightError } from './weight-format-error';

/**
 * Throws a {@link NonFiniteWeightError} (code `NON_FINITE`) naming the first tensor, in map
 * order, that holds NaN or +-Infinity, with the flat index and value of its first such
 * element and how many it has. Integer tensors are always finite and are skipped.
 *
 * @param fileName optional file label prefixed to the message.
 * @example
 * const { tensors } = decodeWeightFile(bytes);
 * checkFinite(tensors); // throws "tensor 'visual.proj' has 3 non-finite value(s); the first is NaN at flat index 17"
 */
export function checkFinite(tensors: TensorMap, fileName?: string): void {
  if (!(tensors instanceof Map)) throw new TypeError(`checkFinite: expected a TensorMap (Map), got ${typeof tensors}`);
  for (const [key, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const data = t.data as Float32Array | Float64Array;
    let first = -1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      // v - v is 0 for every finite v, NaN for NaN and +-Infinity.
      if (v - v !== 0) {
        first = i;
        break;
      }
    }
    if (first < 0) continue;
    let count = 0;
    for (let i = first; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) count++;
    }
    throw new NonFiniteWeightError(key, first, data[first]!, count, { file: fileName });
  }
}

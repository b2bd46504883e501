import { checkOptionalFinite } from './validate';

/** Value range of {@link normalizeMap}; missing ends come from the map itself. */
export interface MapRange {
  /** Value mapped to 0 (default: the map's minimum). */
  min?: number;
  /** Value mapped to 1 (default: the map's maximum). */
  max?: number;
}

/**
 * Linearly rescales `map` so that `min` -> 0 and `max` -> 1, clamping to [0, 1]. Without
 * `min`/`max` the map's own range is used (min-max normalisation). A map whose range is empty
 * (`max === min`) becomes all zeros.
 *
 * @throws RangeError for a non-finite value (naming its index), a non-finite bound, or `max < min`.
 * @example
 * normalizeMap(new Float32Array([2, 3, 4])); // Float32Array [0, 0.5, 1]
 * normalizeMap(new Float32Array([0.2, 0.9]), { min: 0, max: 1 }); // [0.2, 0.9]
 */
export function normalizeMap(map: Float32Array, range: MapRange = {}): Float32Array {
  const fn = 'normalizeMap';
  if (!(map instanceof Float32Array)) throw new TypeError(`${fn}: map must be a Float32Array, got ${typeof map}`);
  checkOptionalFinite(fn, 'min', range.min);
  checkOptionalFinite(fn, 'max', range.max);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (!Number.isFinite(v)) throw new RangeError(`${fn}: map[${i}] is ${v}; anomaly maps must be finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const min = range.min ?? lo;
  const max = range.max ?? hi;
  if (max < min) throw new RangeError(`${fn}: max (${max}) is below min (${min})`);
  const out = new Float32Array(map.length);
  if (!(max > min)) return out;
  const scale = 1 / (max - min);
  for (let i = 0; i < map.length; i++) {
    const t = (map[i] - min) * scale;
    out[i] = t <= 0 ? 0 : t >= 1 ? 1 : t;
  }
  return out;
}

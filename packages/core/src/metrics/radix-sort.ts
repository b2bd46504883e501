/**
 * In-place ascending LSD radix sorts of float scores, with an optional Uint32 payload that is
 * permuted alongside (used to carry region ids through the sort for AUPRO).
 *
 * Floats are mapped to order-preserving unsigned keys (flip every bit of negatives, set the sign
 * bit of positives), sorted by 11-bit digits, and mapped back. Digits whose histogram has a single
 * bucket are skipped, so float32 values stored as float64 cost about as much as float32 itself.
 * NaN must not be present (callers reject it). -0 sorts just before +0; both compare equal, which
 * is all the metric code relies on. Runs in O(n) time and uses n extra 32-bit words per key word
 * (plus n for the payload).
 */

const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const DIGIT_MASK = RADIX - 1;

function floatKeysToSortable32(keys: Uint32Array): void {
  for (let i = 0; i < keys.length; i++) {
    const u = keys[i]!;
    keys[i] = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
  }
}

function sortableToFloatKeys32(keys: Uint32Array): void {
  for (let i = 0; i < keys.length; i++) {
    const u = keys[i]!;
    keys[i] = u & 0x80000000 ? (u & 0x7fffffff) >>> 0 : ~u >>> 0;
  }
}

/** Counting histograms of every digit of 32-bit keys, in one read pass. */
function digitHistograms(keys: Uint32Array, shifts: readonly number[]): Uint32Array[] {
  const hs = shifts.map(() => new Uint32Array(RADIX));
  const n = keys.length;
  if (shifts.length === 3) {
    const h0 = hs[0]!, h1 = hs[1]!, h2 = hs[2]!;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      h0[k & DIGIT_MASK]!++;
      h1[(k >>> 11) & DIGIT_MASK]!++;
      h2[k >>> 22]!++;
    }
  } else {
    for (let d = 0; d < shifts.length; d++) {
      const h = hs[d]!;
      const s = shifts[d]!;
      for (let i = 0; i < n; i++) h[(keys[i]! >>> s) & DIGIT_MASK]!++;
    }
  }
  return hs;
}

/** True when every key shares the digit, i.e. the pass would not move anything. */
function isTrivial(h: Uint32Array, n: number): boolean {
  for (let b = 0; b < RADIX; b++) {
    if (h[b] === n) return true;
    if (h[b] !== 0) return false;
  }
  return false;
}

function exclusivePrefix(h: Uint32Array): void {
  let sum = 0;
  for (let b = 0; b < RADIX; b++) {
    const c = h[b]!;
    h[b] = sum;
    sum += c;
  }
}

/**
 * Sorts `values` ascending in place (float32). When `payload` is given (same length), its
 * elements are permuted with the values.
 *
 * @example
 * const v = new Float32Array([0.5, -1, 0.25]);
 * sortFloat32InPlace(v); // v = [-1, 0.25, 0.5]
 */
export function sortFloat32InPlace(values: Float32Array, payload?: Uint32Array): void {
  const n = values.length;
  if (payload !== undefined && payload.length !== n) {
    throw new Error(`sortFloat32InPlace: payload length ${payload.length} != values length ${n}`);
  }
  if (n < 2) return;
  let keys = new Uint32Array(values.buffer, values.byteOffset, n);
  floatKeysToSortable32(keys);
  const shifts = [0, 11, 22];
  const hs = digitHistograms(keys, shifts);
  let tmpKeys: Uint32Array | undefined;
  let pay = payload;
  let tmpPay: Uint32Array | undefined;
  for (let d = 0; d < shifts.length; d++) {
    const h = hs[d]!;
    if (isTrivial(h, n)) continue;
    exclusivePrefix(h);
    tmpKeys ??= new Uint32Array(n);
    const s = shifts[d]!;
    if (pay !== undefined) {
      tmpPay ??= new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        const p = h[(k >>> s) & DIGIT_MASK]!++;
        tmpKeys[p] = k;
        tmpPay[p] = pay[i]!;
      }
      const tp = pay;
      pay = tmpPay;
      tmpPay = tp;
    } else {
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        tmpKeys[h[(k >>> s) & DIGIT_MASK]!++] = k;
      }
    }
    const tk = keys;
    keys = tmpKeys;
    tmpKeys = tk;
  }
  sortableToFloatKeys32(keys);
  const home = new Uint32Array(values.buffer, values.byteOffset, n);
  if (keys !== home) home.set(keys);
  if (payload !== undefined && pay !== payload) payload.set(pay!);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/**
 * Sorts `values` ascending in place (float64), permuting `payload` alongside when given.
 *
 * @example
 * const v = new Float64Array([0.5, -1, 0.25]);
 * sortFloat64InPlace(v); // v = [-1, 0.25, 0.5]
 */
export function sortFloat64InPlace(values: Float64Array, payload?: Uint32Array): void {
  const n = values.length;
  if (payload !== undefined && payload.length !== n) {
    throw new Error(`sortFloat64InPlace: payload length ${payload.length} != values length ${n}`);
  }
  if (n < 2) return;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const le = isLittleEndian();
  const loOff = le ? 0 : 1;
  const hiOff = le ? 1 : 0;
  // Split into separate lo/hi key arrays (sortable form).
  let lo: Uint32Array = new Uint32Array(n);
  let hi: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + hiOff]!;
    const l = words[2 * i + loOff]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  // 64 bits = lo digits at 0, 11, 22 (22..31 only 10 bits) and hi digits at 0, 11, 22.
  const loH = digitHistograms(lo, [0, 11, 22]);
  const hiH = digitHistograms(hi, [0, 11, 22]);
  const passes: { word: 'lo' | 'hi'; shift: number; h: Uint32Array }[] = [];
  for (let d = 0; d < 3; d++) passes.push({ word: 'lo', shift: d * 11, h: loH[d]! });
  for (let d = 0; d < 3; d++) passes.push({ word: 'hi', shift: d * 11, h: hiH[d]! });
  let tLo: Uint32Array | undefined;
  let tHi: Uint32Array | undefined;
  let pay = payload;
  let tPay: Uint32Array | undefined;
  for (const pass of passes) {
    if (isTrivial(pass.h, n)) continue;
    const h = pass.h;
    exclusivePrefix(h);
    tLo ??= new Uint32Array(n);
    tHi ??= new Uint32Array(n);
    const s = pass.shift;
    const src = pass.word === 'lo' ? lo : hi;
    if (pay !== undefined) tPay ??= new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const p = h[(src[i]! >>> s) & DIGIT_MASK]!++;
      tLo[p] = lo[i]!;
      tHi[p] = hi[i]!;
      if (pay !== undefined) tPay![p] = pay[i]!;
    }
    [lo, tLo] = [tLo, lo];
    [hi, tHi] = [tHi, hi];
    if (pay !== undefined) [pay, tPay] = [tPay!, pay];
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i]!;
    const l = lo[i]!;
    if (h & 0x80000000) {
      words[2 * i + hiOff] = (h & 0x7fffffff) >>> 0;
      words[2 * i + loOff] = l;
    } else {
      words[2 * i + hiOff] = ~h >>> 0;
      words[2 * i + loOff] = ~l >>> 0;
    }
  }
  if (payload !== undefined && pay !== payload) payload.set(pay!);
}

// Input checks shared by the render functions (messages name the function and argument).

/** Throws unless `n` is a positive integer. */
export function checkSize(fn: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${String(n)}`);
}

/** Throws unless `a` is a Float32Array of `n` elements. */
export function checkMap(fn: string, name: string, a: unknown, n: number): asserts a is Float32Array {
  if (!(a instanceof Float32Array)) throw new TypeError(`${fn}: ${name} must be a Float32Array, got ${describe(a)}`);
  if (a.length !== n) throw new RangeError(`${fn}: ${name} has ${a.length} elements, expected ${n}`);
}

/** Throws unless `a` is a Uint8Array of `n` elements. */
export function checkBytes(fn: string, name: string, a: unknown, n: number): asserts a is Uint8Array {
  if (!(a instanceof Uint8Array)) throw new TypeError(`${fn}: ${name} must be a Uint8Array, got ${describe(a)}`);
  if (a.length !== n) throw new RangeError(`${fn}: ${name} has ${a.length} elements, expected ${n}`);
}

/** Throws unless `v` is undefined or a finite number. */
export function checkOptionalFinite(fn: string, name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
    throw new RangeError(`${fn}: ${name} must be a finite number, got ${String(v)}`);
  }
}

/** Throws unless `c` is an [r, g, b] triple of integers in 0..255. */
export function checkColor(fn: string, name: string, c: unknown): asserts c is readonly [number, number, number] {
  const ok = Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
  if (!ok) throw new RangeError(`${fn}: ${name} must be [r, g, b] with integers in 0..255, got ${JSON.stringify(c)}`);
}

function describe(a: unknown): string {
  if (a === null) return 'null';
  if (typeof a === 'object') return (a as object).constructor?.name ?? 'object';
  return typeof a;
}

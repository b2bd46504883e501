/**
 * Append-only typed buffers that grow by fixed-size chunks (no reallocation while appending) and
 * are compacted into one contiguous array on demand.
 */

/** Elements per chunk (4 MiB of float32). */
export const CHUNK_ELEMENTS = 1 << 20;

/**
 * Scores stored as float32 while every appended value is exactly representable in float32
 * (the usual case: maps come from float32 tensors), upgraded to float64 otherwise, so storage
 * never rounds a score.
 */
export class ScoreBuffer {
  private chunks: (Float32Array | Float64Array)[] = [];
  private current: Float32Array | Float64Array = new Float32Array(0);
  private used = 0;
  private full = 0; // elements in chunks before `current`
  private wide = false;

  /** Number of stored scores. */
  get length(): number {
    return this.full + this.used;
  }

  /** Whether storage is float64. */
  get isFloat64(): boolean {
    return this.wide;
  }

  /** Switches storage to float64 (copies existing chunks). */
  upgradeToFloat64(): void {
    if (this.wide) return;
    this.chunks = this.chunks.map((c) => Float64Array.from(c));
    this.current = this.chunks.length > 0 ? this.chunks[this.chunks.length - 1]! : new Float64Array(0);
    this.wide = true;
  }

  private grow(): void {
    this.full += this.used;
    this.current = this.wide ? new Float64Array(CHUNK_ELEMENTS) : new Float32Array(CHUNK_ELEMENTS);
    this.chunks.push(this.current);
    this.used = 0;
  }

  /** Appends one score (the caller upgrades first when `v` is not float32-exact). */
  push(v: number): void {
    if (this.used === this.current.length) this.grow();
    this.current[this.used++] = v;
  }

  /**
   * Returns all scores as one contiguous array (a view; do not keep it across `push`). After the
   * call the buffer holds that single array, so a second call does not copy again; callers may
   * reorder it in place (e.g. sort) when the order of scores carries no meaning to them.
   */
  compact(): Float32Array | Float64Array {
    const n = this.length;
    if (this.chunks.length === 1 && this.full === 0) return this.current.subarray(0, this.used);
    const out = this.wide ? new Float64Array(n) : new Float32Array(n);
    concatChunks<Float32Array | Float64Array>(this.chunks, this.used, out);
    this.chunks = n > 0 ? [out] : [];
    this.current = n > 0 ? out : this.current;
    this.full = 0;
    this.used = n;
    return out;
  }

  /** Frees all storage. */
  clear(): void {
    this.chunks = [];
    this.current = this.wide ? new Float64Array(0) : new Float32Array(0);
    this.used = 0;
    this.full = 0;
  }
}

/** Append-only Uint32 buffer (region ids), chunked like {@link ScoreBuffer}. */
export class Uint32Buffer {
  private chunks: Uint32Array[] = [];
  private current = new Uint32Array(0);
  private used = 0;
  private full = 0;

  get length(): number {
    return this.full + this.used;
  }

  push(v: number): void {
    if (this.used === this.current.length) {
      this.full += this.used;
      this.current = new Uint32Array(CHUNK_ELEMENTS);
      this.chunks.push(this.current);
      this.used = 0;
    }
    this.current[this.used++] = v;
  }

  /** Contiguous contents; same contract as {@link ScoreBuffer.compact}. */
  compact(): Uint32Array {
    const n = this.length;
    if (this.chunks.length === 1 && this.full === 0) return this.current.subarray(0, this.used);
    const out = new Uint32Array(n);
    concatChunks<Uint32Array>(this.chunks, this.used, out);
    this.chunks = n > 0 ? [out] : [];
    this.current = n > 0 ? out : this.current;
    this.full = 0;
    this.used = n;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.current = new Uint32Array(0);
    this.used = 0;
    this.full = 0;
  }
}

/** Copies full chunks and the first `lastUsed` values of the last one into `out`, in order. */
function concatChunks<T extends Float32Array | Float64Array | Uint32Array>(chunks: readonly T[], lastUsed: number, out: T): T {
  let off = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    const len = i === chunks.length - 1 ? lastUsed : c.length;
    out.set(len === c.length ? c : (c.subarray(0, len) as T), off);
    off += len;
  }
  return out;
}

/*
 * A first-fit allocator over the engine's memory (after the control block): blocks are 64-byte
 * aligned, freed blocks merge with their neighbours, the memory grows when nothing fits.
 * Packed weights live here for the engine's lifetime; per-call scratch is one block reused.
 */
const ALIGN = 64;
const PAGE = 65536;

export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export class Heap {
  /** Free blocks [offset, bytes], sorted by offset. */
  private free: Array<[number, number]> = [];
  private readonly used = new Map<number, number>();
  private top: number;

  constructor(
    private readonly memory: GrowableMemory,
    base: number,
    private readonly maxBytes: number,
  ) {
    this.top = base;
  }

  /** Bytes held by live blocks. */
  get allocatedBytes(): number {
    let s = 0;
    for (const b of this.used.values()) s += b;
    return s;
  }

  /** Allocates `bytes`; `what` names the request in the error when the 4 GiB wasm32 memory cannot hold it. */
  alloc(bytes: number, what: string): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const [off, len] = this.free[i]!;
      if (len < size) continue;
      if (len === size) this.free.splice(i, 1);
      else this.free[i] = [off + size, len - size];
      this.used.set(off, size);
      return off;
    }
    const off = this.top;
    const end = off + size;
    if (end > this.maxBytes) {
      throw new Error(`GEMM engine: ${what} needs ${(size / 2 ** 20).toFixed(1)} MiB more, beyond the ${(this.maxBytes / 2 ** 30).toFixed(1)} GiB its memory can hold (${(this.allocatedBytes / 2 ** 20).toFixed(1)} MiB in use)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.used.set(off, size);
    return off;
  }

  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) return;
    this.used.delete(off);
    let i = this.free.findIndex(([o]) => o > off);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, [off, size]);
    // merge with the next and the previous free block
    const next = this.free[i + 1];
    if (next && off + size === next[0]) {
      this.free[i] = [off, size + next[1]];
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev[0] + prev[1] === off) {
      this.free[i - 1] = [prev[0], prev[1] + this.free[i]![1]];
      this.free.splice(i, 1);
    }
    // a free block at the top goes back to the bump pointer
    const last = this.free[this.free.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      this.free.pop();
    }
  }
}

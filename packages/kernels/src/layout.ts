/*
 * The layout of the engine's shared memory. The first 64 KiB page is the control block that
 * the calling thread and the workers synchronise on (Atomics on an Int32Array view); the heap
 * for matrices starts after it.
 *
 *   int32 [0..8)      GEN (job generation, workers wait on it), NEXT (next work unit), PENDING
 *                     (workers still in the job), QUIT, FAILED (a worker's call threw)
 *   int32 [8..32)     the job's parameters (J_* below; J_KIND says which work it is)
 *   int32 [32..64)    an attention job's parameters (AT_* below)
 *   int32 [64..)      per worker: STATE (0 running, 1 dead), message length, DONE (the last job
 *                     generation it finished), 4 ints each
 *   bytes [8K..40K)   per worker: the last error message (UTF-16, MESSAGE_CHARS each)
 *   bytes [40K..64K)  per thread: one MR x NR scratch tile (the right edge of C)
 */
export const CONTROL_BYTES = 65536;
export const GEN = 0;
export const NEXT = 1;
export const PENDING = 2;
export const QUIT = 3;
export const FAILED = 4;

export const JOB = 8;
export const J_M = JOB + 0;
export const J_N = JOB + 1;
export const J_K = JOB + 2;
export const J_A = JOB + 3;
export const J_LDA = JOB + 4;
export const J_B = JOB + 5;
export const J_C = JOB + 6;
export const J_LDC = JOB + 7;
export const J_BIAS = JOB + 8;
export const J_MC = JOB + 9;
export const J_NCP = JOB + 10;
export const J_KC = JOB + 11;
export const J_UNITS = JOB + 12;
/** What the units are: a product (GEMM), or one of the two attention phases. */
export const J_KIND = JOB + 13;
export const KIND_GEMM = 0;
export const KIND_ATTN_PREP = 1;
export const KIND_ATTN = 2;
export const KIND_ROWS = 3;

/** Never written: reads as int 0 and float +0.0 (the bias of an attention job without one). */
export const ZERO = 31;

// attention (attention-run.ts): byte offsets, sizes in floats unless named bytes
export const AT = 32;
export const AT_X = AT + 0; // qkv [batch * N, 3W]
export const AT_BIAS = AT + 1; // [3W] or 0
export const AT_N = AT + 2;
export const AT_W = AT + 3;
export const AT_HEADS = AT + 4;
export const AT_SCALE = AT + 5; // float32 bits
export const AT_Q = AT + 6; // per (image, head): q scaled, [N, d]
export const AT_KT = AT + 7; // per (image, head): kᵀ packed as a B [d, N]
export const AT_V = AT + 8; // per (image, head): v packed as a B [N, d]
export const AT_OUT = AT + 9; // [batch * N, W]
export const AT_S = AT + 10; // per thread: a block of scores [MC, N rounded up to NR]
export const AT_S_BYTES = AT + 11; // bytes of one thread's block
export const AT_MC = AT + 12; // query rows per unit

// a row-wise job (rows-job.ts): int32 [48..58)
export const RW = 48;
export const RW_OP = RW + 0; // ROW_OPS index
export const RW_X = RW + 1;
export const RW_OUT = RW + 2;
export const RW_ROWS = RW + 3;
export const RW_COLS = RW + 4;
export const RW_GAMMA = RW + 5; // LayerNorm
export const RW_BETA = RW + 6;
export const RW_EPS = RW + 7; // float32 bits
export const RW_BIAS = RW + 8; // activations: [cols] or 0
export const RW_CHUNK = RW + 9; // rows per unit

export const WORKER_STATE = 64;
export const MESSAGE_BYTES = 8192;
export const MESSAGE_CHARS = 256;
export const SCRATCH_BYTES = 40960;
/** The most threads the control block has room for (calling thread included). */
export const MAX_THREADS = 48;

export function stateIndex(worker: number): number {
  return WORKER_STATE + 4 * worker;
}

export function doneIndex(worker: number): number {
  return WORKER_STATE + 4 * worker + 2;
}

/** Writes `text` (truncated) as worker `w`'s message. */
export function writeMessage(ctl: Int32Array, w: number, text: string): void {
  const chars = new Uint16Array(ctl.buffer, MESSAGE_BYTES + w * MESSAGE_CHARS * 2, MESSAGE_CHARS);
  const n = Math.min(text.length, MESSAGE_CHARS);
  for (let i = 0; i < n; i++) chars[i] = text.charCodeAt(i);
  Atomics.store(ctl, stateIndex(w) + 1, n);
}

export function readMessage(ctl: Int32Array, w: number): string {
  const n = Atomics.load(ctl, stateIndex(w) + 1);
  const chars = new Uint16Array(ctl.buffer, MESSAGE_BYTES + w * MESSAGE_CHARS * 2, n);
  return String.fromCharCode(...chars);
}

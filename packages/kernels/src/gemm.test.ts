import { afterEach, describe, expect, it } from 'vitest';
import { GemmEngine } from './engine';
import { relaxedSimdSupported } from './gemm-module';
import { createGemmEngine } from './node';
import { resolveThreads } from './threads';

// The worker script is the built one (dist/node-worker.js): `npx tsup` in packages/kernels first.

function rand(n: number, seed: number): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
}

/** op(A) op(B) + bias in float64; A [m, k] (or [k, m] with ta), B [k, n] (or [n, k] with tb). */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, ta: boolean, tb: boolean, bias?: Float32Array): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = bias ? bias[j]! : 0;
    for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
    out[i * n + j] = s;
  }
  return out;
}

/** Largest |got - want| relative to the largest |a||b| sum of a row (the float32 rounding scale). */
function maxScaledError(got: Float32Array, want: Float64Array, k: number): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e / Math.sqrt(k);
}

const engines: GemmEngine[] = [];
const track = (e: GemmEngine): GemmEngine => (engines.push(e), e);
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

// odd shapes: m, n, k not multiples of the register (6 x 8, 5 x 8) or cache blocking
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [37, 29, 21],
  [101, 67, 43],
  [13, 300, 9],
];

describe('GemmEngine products', () => {
  it('packs a weight larger than the staging block (rows staged a block at a time) as a whole one', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    const [m, k, n] = [3, 300, 1003]; // 1.2 MB of B: 261 rows per staged block, a partial last panel
    const a = rand(m * k, 11);
    const b = rand(k * n, 12);
    const got = eng.gemm(a, eng.pack(b, k, n), m, k, n);
    expect(maxScaledError(got, reference(a, b, m, k, n, false, false), k)).toBeLessThan(2e-7);
  });

  const kinds = relaxedSimdSupported() ? [false, true] : [false];
  for (const fma of kinds) {
    it(`match a float64 reference on odd shapes, transposed operands and a bias (${fma ? 'relaxed FMA' : 'mul + add'})`, () => {
      const eng = track(new GemmEngine({ threads: 1, shape: { fma }, blocking: { kc: 16 } }));
      for (const [m, k, n] of SHAPES) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const a = rand(m * k, m + 3 * k);
          const b = rand(k * n, n + 7 * k);
          const bias = (m + n) % 2 ? rand(n, 5) : undefined;
          const got = eng.gemm(a, b, m, k, n, { transposeA: ta, transposeB: tb, bias });
          expect(got.length).toBe(m * n);
          expect(maxScaledError(got, reference(a, b, m, k, n, ta, tb, bias), k)).toBeLessThan(2e-7);
        }
      }
    });
  }

  it('reuses a packed B (a weight packed once) across products', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    const [k, n] = [33, 19];
    const b = rand(k * n, 1);
    const packed = eng.pack(b, k, n);
    for (const m of [1, 5, 40]) {
      const a = rand(m * k, m);
      expect(maxScaledError(eng.gemm(a, packed, m, k, n), reference(a, b, m, k, n, false, false), k)).toBeLessThan(2e-7);
    }
    const before = eng.allocatedBytes;
    eng.free(packed);
    expect(eng.allocatedBytes).toBe(before - packed.bytes);
  });

  it('gives bitwise identical results on 1, 2 and 4 threads', () => {
    const [m, k, n] = [203, 70, 150];
    const a = rand(m * k, 11);
    const b = rand(k * n, 12);
    const bias = rand(n, 13);
    const results = [1, 2, 4].map((threads) => {
      // small units, so that every thread takes some
      const eng = track(createGemmEngine({ threads, blocking: { kc: 32, ncp: 2 } }));
      expect(eng.threads).toBe(threads);
      return eng.gemm(a, b, m, k, n, { bias, transposeB: true });
    });
    expect(Buffer.from(results[1]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
    expect(Buffer.from(results[2]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
    expect(maxScaledError(results[0]!, reference(a, b, m, k, n, false, true, bias), k)).toBeLessThan(2e-7);
  });
});

describe('GemmEngine threads and lifetime', () => {
  it('takes threads from the option, else AACLIP_THREADS, else the machine, and rejects bad counts', () => {
    expect(resolveThreads(3, '2', 8)).toBe(3);
    expect(resolveThreads(undefined, '2', 8)).toBe(2);
    expect(resolveThreads(undefined, ' 5 ', 8)).toBe(5);
    expect(resolveThreads(undefined, undefined, 8)).toBe(8);
    expect(resolveThreads(undefined, '', 6)).toBe(6);
    for (const bad of ['0', '-2', 'two', '1.5', 'NaN']) {
      expect(() => resolveThreads(undefined, bad, 8)).toThrow(`AACLIP_THREADS must be a whole number of threads, 1 or more; got "${bad}"`);
    }
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => resolveThreads(bad, undefined, 8)).toThrow('the threads option must be a whole number of threads, 1 or more');
    }
    expect(() => resolveThreads(1000, undefined, 8)).toThrow('the threads option is 1000; the GEMM engine runs at most 48 threads');
  });

  it('reads AACLIP_THREADS when it creates an engine', () => {
    const saved = process.env.AACLIP_THREADS;
    try {
      process.env.AACLIP_THREADS = '0';
      expect(() => createGemmEngine()).toThrow('AACLIP_THREADS must be a whole number of threads, 1 or more; got "0"');
      process.env.AACLIP_THREADS = '2';
      expect(track(createGemmEngine()).threads).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.AACLIP_THREADS;
      else process.env.AACLIP_THREADS = saved;
    }
  });

  it('says once that it runs on one thread when no threads can be started', () => {
    const said: string[] = [];
    const eng = track(new GemmEngine({ threads: 3, log: (m) => said.push(m) }));
    expect(eng.threads).toBe(1);
    expect(said).toEqual(['GEMM engine: this runtime gave it no way to start threads; running on one thread instead of 3']);
  });

  it('frees its workers and memory on dispose()', async () => {
    const eng = createGemmEngine({ threads: 2 });
    eng.gemm(rand(12, 1), rand(12, 2), 4, 3, 4);
    const packed = eng.pack(rand(64, 3), 8, 8);
    expect(eng.allocatedBytes).toBeGreaterThanOrEqual(packed.bytes);
    expect(eng.liveWorkers).toBe(1);
    eng.dispose();
    expect(eng.isDisposed).toBe(true);
    expect(eng.liveWorkers).toBe(0);
    expect(() => eng.gemm(rand(4, 1), rand(4, 2), 2, 2, 2)).toThrow('GEMM engine: used after dispose()');
    expect(() => eng.pack(rand(4, 1), 2, 2)).toThrow('GEMM engine: used after dispose()');
    eng.dispose(); // twice is harmless
  });

  it('rejects a call whose worker dies, with its message, and restarts the worker', async () => {
    const eng = track(createGemmEngine({ threads: 2, blocking: { ncp: 1, mc: 30 } }));
    const [m, k, n] = [300, 64, 200];
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    const want = eng.gemm(a, b, m, k, n);
    eng.worker(1)!.terminate();
    await expect(eng.gemmAsync(a, b, m, k, n)).rejects.toThrow(/GEMM engine: worker 1 stopped: exited with code 1 \(restarted; the product was not completed\)/);
    expect(eng.liveWorkers).toBe(1);
    const again = await eng.gemmAsync(a, b, m, k, n);
    expect(Buffer.from(again.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    expect(Buffer.from(eng.gemm(a, b, m, k, n).buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('names the shapes that do not fit its memory', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    expect(() => eng.pack(new Float32Array(4), 40000, 40000)).toThrow(/GEMM engine: packing a \[40000 x 40000\] matrix needs 6103\.5 MiB more, beyond the 4\.0 GiB its memory can hold/);
    expect(() => eng.gemm(new Float32Array(4), new Float32Array(4), 2, 2, 0)).toThrow('GEMM engine: the product [2 x 2] x [2 x 0]: n must be a positive whole number');
    expect(() => eng.gemm(new Float32Array(3), new Float32Array(4), 2, 2, 2)).toThrow('GEMM engine: the product [2 x 2] x [2 x 2]: A holds 3 floats, fewer than 2 x 2');
  });
});

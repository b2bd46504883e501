import { afterEach, describe, expect, it } from 'vitest';
import { attention } from './attention-job';
import { GemmEngine } from './engine';
import { createGemmEngine } from './node';

// The worker script is the built one (dist/node-worker.js): `npx tsup` in packages/kernels first.

function rand(n: number, seed: number): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
}

/** Multi-head attention of qkv [B*N, 3W] + bias in float64: [B*N, W]. */
function reference(qkv: Float32Array, bias: Float32Array | null, B: number, N: number, W: number, H: number): Float64Array {
  const d = W / H;
  const s = 1 / Math.sqrt(d);
  const out = new Float64Array(B * N * W);
  const at = (row: number, col: number): number => qkv[row * 3 * W + col]! + (bias ? bias[col]! : 0);
  for (let i = 0; i < B; i++) for (let h = 0; h < H; h++) for (let t = 0; t < N; t++) {
    const logits = Array.from({ length: N }, (_, u) => {
      let z = 0;
      for (let j = 0; j < d; j++) z += at(i * N + t, h * d + j) * s * at(i * N + u, W + h * d + j);
      return z;
    });
    const m = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - m));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < d; j++) {
      let o = 0;
      for (let u = 0; u < N; u++) o += (e[u]! / sum) * at(i * N + u, 2 * W + h * d + j);
      out[(i * N + t) * W + h * d + j] = o;
    }
  }
  return out;
}

const engines: GemmEngine[] = [];
const track = (e: GemmEngine): GemmEngine => (engines.push(e), e);
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

// [batch, tokens, width, heads]: tokens and head widths off the 8-column panels and 48-row units
const SHAPES: Array<[number, number, number, number]> = [
  [1, 5, 8, 2],
  [2, 50, 24, 2],
  [1, 101, 64, 4],
  [3, 17, 20, 5],
];

describe('attention on the GEMM engine', () => {
  it('matches a float64 reference (with and without a bias)', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    for (const [B, N, W, H] of SHAPES) {
      for (const withBias of [true, false]) {
        const qkv = rand(B * N * 3 * W, N + W);
        const bias = withBias ? rand(3 * W, H) : null;
        const got = attention(eng, qkv, bias, { batch: B, tokens: N, heads: H, width: W });
        const want = reference(qkv, bias, B, N, W, H);
        expect(got.length).toBe(B * N * W);
        let e = 0;
        for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
        expect(e).toBeLessThan(2e-6);
        expect(got[0]).toBeCloseTo(want[0]!, 5);
      }
    }
  });

  it('gives bitwise identical results on 1, 2 and 4 threads', () => {
    const [B, N, W, H] = [2, 131, 64, 4];
    const qkv = rand(B * N * 3 * W, 9);
    const bias = rand(3 * W, 3);
    const results = [1, 2, 4].map((threads) => attention(track(createGemmEngine({ threads })), qkv, bias, { batch: B, tokens: N, heads: H, width: W }));
    expect(results[0]!.some((v) => v !== 0)).toBe(true);
    expect(Buffer.from(results[1]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
    expect(Buffer.from(results[2]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
  });

  it('rejects a width the heads do not divide, naming it', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    expect(() => attention(eng, new Float32Array(30), null, { batch: 1, tokens: 1, heads: 3, width: 10 })).toThrow(/width 10 is not divisible by 3 heads/);
  });
});

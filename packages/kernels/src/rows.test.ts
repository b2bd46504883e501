import { afterEach, describe, expect, it } from 'vitest';
import { GemmEngine } from './engine';
import { createGemmEngine } from './node';
import { rowOp } from './rows-job';

// The worker script is the built one (dist/node-worker.js): `npx tsup` in packages/kernels first.

function rand(n: number, seed: number): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length: n }, () => 4 * (((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5));
}

const engines: GemmEngine[] = [];
const track = (e: GemmEngine): GemmEngine => (engines.push(e), e);
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate: erf(x) = 2/sqrt(pi) * sum of the series
  let s = 0;
  let t = x;
  for (let n = 0; n < 60; n++) {
    s += t / (2 * n + 1);
    t *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
};

describe('row-wise jobs on the GEMM engine', () => {
  const [rows, cols] = [37, 24];
  const x = rand(rows * cols, 1);
  const gamma = rand(cols, 2);
  const beta = rand(cols, 3);
  const bias = rand(cols, 4);

  it('LayerNorm, GELU and QuickGELU match float64 references', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    const ln = rowOp(eng, 'layer_norm', x, rows, cols, { gamma, beta, eps: 1e-5 });
    const gelu = rowOp(eng, 'gelu', x, rows, cols, { bias });
    const quick = rowOp(eng, 'quick_gelu', x, rows, cols);
    let e = 0;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
      const mean = row.reduce((a, b) => a + b, 0) / cols;
      const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / cols;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        e = Math.max(e, Math.abs(ln[i]! - (((row[c]! - mean) / Math.sqrt(v + 1e-5)) * gamma[c]! + beta[c]!)));
        const u = row[c]! + bias[c]!;
        e = Math.max(e, Math.abs(gelu[i]! - 0.5 * u * (1 + erf(u / Math.SQRT2))));
        e = Math.max(e, Math.abs(quick[i]! - row[c]! / (1 + Math.exp(-1.702 * row[c]!))));
      }
    }
    expect(e).toBeLessThan(2e-5);
    expect(ln[0]).not.toBe(0);
  });

  it('gives bitwise identical results on 1, 2 and 4 threads', () => {
    const big = rand(301 * 64, 5);
    const g = rand(64, 6);
    const b = rand(64, 7);
    const run = (threads: number): Float32Array[] => {
      const eng = track(createGemmEngine({ threads }));
      return [rowOp(eng, 'layer_norm', big, 301, 64, { gamma: g, beta: b }), rowOp(eng, 'gelu', big, 301, 64, { bias: b }), rowOp(eng, 'quick_gelu', big, 301, 64)];
    };
    const [one, two, four] = [run(1), run(2), run(4)];
    for (let k = 0; k < 3; k++) {
      expect(Buffer.from(two[k]!.buffer).equals(Buffer.from(one[k]!.buffer))).toBe(true);
      expect(Buffer.from(four[k]!.buffer).equals(Buffer.from(one[k]!.buffer))).toBe(true);
    }
  });

  it('rejects widths that are not a multiple of 4 and LayerNorm without gamma, naming them', () => {
    const eng = track(new GemmEngine({ threads: 1 }));
    expect(() => rowOp(eng, 'gelu', new Float32Array(6), 2, 3)).toThrow(/gelu over \[2 x 3\]: rows must be positive and cols a positive multiple of 4/);
    expect(() => rowOp(eng, 'layer_norm', new Float32Array(8), 2, 4)).toThrow(/LayerNorm needs gamma and beta/);
  });
});

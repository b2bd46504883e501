import { describe, expect, it } from 'vitest';
import type { NamedTensor, TensorMap } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';
import { compareParity, flattenParityMetrics, formatParityTable, parityTolerance } from './compare-parity';
import type { ParityExpectedJson } from './parity-types';

const ref = (shape: number[], values: number[]): NamedTensor => ({ dtype: 'float64', shape, data: Float64Array.from(values), sourceDtype: 'F64' });
const out = (shape: number[], values: number[]): WritableTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const ej = (extra: Partial<ParityExpectedJson> = {}): ParityExpectedJson => ({ noise_floor: {}, metrics: {}, ...extra }) as ParityExpectedJson;

describe('compareParity', () => {
  it("uses the README tolerance max(20 * noise_floor, 1e-6 * max(1, max|expected|))", () => {
    expect(parityTolerance('a', ref([2], [0.5, -3]), {})).toBeCloseTo(3e-6, 12);
    expect(parityTolerance('a', ref([1], [0.5]), { a: 1e-6 })).toBeCloseTo(2e-5, 12);
    expect(parityTolerance('preprocess.image', ref([1], [0.5]), {})).toBe(1e-5);
  });

  it('reports the largest difference, NaN as Infinity, and a shape mismatch', () => {
    const expected: TensorMap = new Map([
      ['a', ref([3], [1, 2, 3])],
      ['b', ref([2], [0, 0])],
      ['c', ref([2, 1], [0, 0])],
    ]);
    const outputs = new Map([
      ['a', out([3], [1, 2 + 2e-6, 3])],
      ['b', out([2], [0, Number.NaN])],
      ['c', out([2], [0, 0])],
      ['not-in-reference', out([1], [5])],
    ]);
    const rows = compareParity(outputs, expected, ej(), new Map());
    expect(rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(rows[0]!.maxAbsDiff).toBe(Math.fround(2 + 2e-6) - 2); // float32 output
    expect(rows[0]!.ok).toBe(true);
    expect(rows[1]).toMatchObject({ maxAbsDiff: Infinity, ok: false });
    expect(rows[2]).toMatchObject({ ok: false, note: 'shape [2] vs expected [2,1]' });
  });

  it('compares *.adam1.* only where the reference gradient is not tiny', () => {
    const expected: TensorMap = new Map([
      ['stage1.grad.w', ref([3], [1, 1e-4, -0.5])],
      ['stage1.adam1.w', ref([3], [0, 0, 0])],
    ]);
    const rows = compareParity(new Map([['stage1.adam1.w', out([3], [1e-8, 1, 1e-8])]]), expected, ej(), new Map());
    expect(rows[0]).toMatchObject({ ok: true, note: 'where |grad| > 1e-3 max|grad|' });
    expect(rows[0]!.maxAbsDiff).toBeCloseTo(1e-8, 12);
  });

  it('checks tokens exactly against inputs.tokens and metrics against expected.json', () => {
    const inputs: TensorMap = new Map([['tokens', { dtype: 'int32', shape: [1, 3], data: Int32Array.of(49406, 7, 49407), sourceDtype: 'I32' } as NamedTensor]]);
    const outputs = new Map<string, WritableTensor>([
      ['tokens', { dtype: 'int32', shape: [1, 3], data: Int32Array.of(49406, 8, 49407) }],
      ['metrics.official.pixel AUC', { dtype: 'float64', shape: [1], data: Float64Array.of(91.2) }],
    ]);
    const rows = compareParity(outputs, new Map(), ej({ metrics: { official: { 'pixel AUC': 91.2 } } }), inputs);
    expect(rows[0]).toMatchObject({ name: 'tokens', maxAbsDiff: 1, ok: false });
    expect(rows[1]).toMatchObject({ name: 'metrics.official.pixel AUC', maxAbsDiff: 0, ok: true });
    expect([...flattenParityMetrics({ x: 1, y: { z: 2 } }).keys()]).toEqual(['x', 'y.z']);
    expect(formatParityTable(rows)).toContain('FAIL');
  });
});

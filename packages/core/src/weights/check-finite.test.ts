import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { checkFinite } from './check-finite';
import type { NamedTensor, TensorMap } from './named-tensor';
import { readSafetensors } from './safetensors-reader';
import { writeSafetensors } from './safetensors-writer';
import { NonFiniteWeightError, WeightFormatError } from './weight-format-error';

const t = (data: NamedTensor['data'], dtype: NamedTensor['dtype'] = 'float32'): NamedTensor => ({ dtype, shape: [data.length], data, sourceDtype: 'test' });

function caught(fn: () => unknown): NonFiniteWeightError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NonFiniteWeightError) return e;
    throw e;
  }
  throw new Error('nothing thrown');
}

describe('checkFinite', () => {
  it('accepts every fixture weight file', () => {
    for (const name of ['adapters.safetensors', 'clip-openai.safetensors', 'inputs.safetensors', 'expected.safetensors']) {
      expect(() => checkFinite(readSafetensors(readFileSync(fixture(name))).tensors), name).not.toThrow();
    }
  });

  it('names the first tensor (in map order), index and value, and counts the bad values', () => {
    const tensors: TensorMap = new Map([
      ['ok', t(new Float32Array([1, -2, 3e38]))],
      ['ints', t(new Int32Array([1, 2]), 'int32')],
      ['w', t(new Float32Array([0, 1, NaN, 4, Infinity]))],
      ['later', t(new Float64Array([NaN]), 'float64')],
    ]);
    const e = caught(() => checkFinite(tensors, 'model.safetensors'));
    expect(e).toBeInstanceOf(WeightFormatError);
    expect([e.code, e.key, e.index, e.value, e.count, e.file]).toEqual(['NON_FINITE', 'w', 2, NaN, 2, 'model.safetensors']);
    expect(e.message).toBe("model.safetensors: tensor 'w' has 2 non-finite value(s); the first is NaN at flat index 2");
  });

  it('finds -Infinity in float64 tensors and survives a half-precision round trip', () => {
    const e = caught(() => checkFinite(new Map([['d', t(new Float64Array([1, -Infinity]), 'float64')]])));
    expect([e.key, e.index, e.value, e.count]).toEqual(['d', 1, -Infinity, 1]);
    // +Infinity stored as float16 (the writer refuses it unless asked to keep it)
    const half = readSafetensors(writeSafetensors({ h: { dtype: 'float16', shape: [2], data: new Float32Array([1, Infinity]) } }, undefined, { allowNonFinite: true })).tensors;
    expect(caught(() => checkFinite(half)).message).toBe("tensor 'h' has 1 non-finite value(s); the first is Infinity at flat index 1");
  });

  it('rejects a non-Map argument', () => {
    expect(() => checkFinite({} as TensorMap)).toThrow(TypeError);
  });
});

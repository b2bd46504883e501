import { readSafetensors, writeSafetensors } from '@aaclip/core/weights';
import { describe, expect, it } from 'vitest';
import { readSafetensorsLazy } from './lazy-safetensors';

describe('readSafetensorsLazy', () => {
  const bytes = writeSafetensors(
    {
      w32: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0.5, -1.25, 3, 4.125, 1e-3, -7]) },
      w16: { dtype: 'float16', shape: [3], data: Float32Array.from([0.1, -2.5, 65504]) },
      w64: { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
      ids: { dtype: 'int64', shape: [2], data: BigInt64Array.from([7n, -3n]) },
      n: { dtype: 'int32', shape: [], data: Int32Array.from([42]) },
    },
    { note: 'lazy' },
  );

  it('gives the same tensors as readSafetensors, decoding each on access', () => {
    const eager = readSafetensors(bytes);
    const lazy = readSafetensorsLazy(bytes);
    expect(lazy.metadata).toEqual({ note: 'lazy' });
    expect([...lazy.tensors.keys()]).toEqual([...eager.tensors.keys()]);
    for (const [k, e] of eager.tensors) {
      const l = lazy.tensors.get(k)!;
      expect({ k, dtype: l.dtype, shape: l.shape, sourceDtype: l.sourceDtype }).toEqual({ k, dtype: e.dtype, shape: e.shape, sourceDtype: e.sourceDtype });
      expect(Array.from(l.data as ArrayLike<number | bigint>)).toEqual(Array.from(e.data as ArrayLike<number | bigint>));
    }
    const w16 = lazy.tensors.get('w16')!;
    expect(w16.dtype).toBe('float32');
    expect(Array.from(w16.data as Float32Array)).toEqual([0.0999755859375, -2.5, 65504]);
    expect(w16.data).not.toBe(w16.data); // decoded again on each access, never kept
    expect((lazy.tensors.get('w32')!.data as Float32Array).buffer).toBe(bytes.buffer); // F32: a view, no copy
  });

  it('validates the header up front', () => {
    const bad = bytes.slice(0, 20);
    expect(() => readSafetensorsLazy(bad)).toThrow(/^safetensors: header length \d+ runs past the end of the file \(20 bytes, 20 available\)$/);
  });
});

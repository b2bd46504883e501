import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSafetensors, WeightFormatError } from '@aaclip/core/weights';
import { fixture } from '../../../test-utils/fixtures';
import { loadAdapters, openSafetensorsFile, sniffWeightFormat } from './weights-io';

describe('openSafetensorsFile (streamed, one tensor at a time)', () => {
  it('gives the same tensors as reading the whole file', () => {
    const path = fixture('clip-hf.safetensors');
    const eager = readSafetensors(readFileSync(path)).tensors;
    const lazy = openSafetensorsFile(path);
    try {
      expect([...lazy.tensors.keys()]).toEqual([...eager.keys()]);
      for (const [k, t] of eager) {
        const l = lazy.tensors.get(k)!;
        expect(l.shape, k).toEqual(t.shape);
        expect(l.dtype, k).toBe(t.dtype);
        const a = l.data;
        const b = t.data;
        expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), k).toBe(true);
      }
      expect(lazy.metadata).toEqual({ format: 'pt' });
    } finally {
      lazy.close();
    }
  });

  it('names the file in format errors', async () => {
    expect(() => sniffWeightFormat(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'x.bin')).toThrow(WeightFormatError);
    expect(() => sniffWeightFormat(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'x.bin')).toThrow(/x\.bin: not a safetensors file/);
    await expect(loadAdapters([fixture('expected.json')])).rejects.toThrow(/expected\.json/);
  });
});

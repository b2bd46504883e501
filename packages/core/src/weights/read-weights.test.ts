import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { detectWeightFormat, decodeWeightFile } from './read-weights';

const load = (name: string): Uint8Array => readFileSync(fixture(name));

describe('decodeWeightFile', () => {
  it('detects and reads every fixture format', () => {
    const cases: [string, string, number][] = [
      ['clip-openai.safetensors', 'safetensors', 446],
      ['clip-openai.pt', 'torch', 446],
      ['clip-openai-jit.pt', 'torchscript', 446],
      ['text_adapter.pth', 'torch', 4],
    ];
    for (const [file, format, count] of cases) {
      const r = decodeWeightFile(load(file));
      expect(r.format, file).toBe(format);
      expect(r.tensors.size, file).toBe(count);
    }
    expect(decodeWeightFile(load('clip-openai.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('rejects unknown formats', () => {
    expect(() => detectWeightFormat(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/first bytes 01 02 03 04 05 06 07 08/);
  });
});

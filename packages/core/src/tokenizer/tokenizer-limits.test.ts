import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath } from '../../../../test-utils/fixtures';
import { ByteTokenizer } from './byte-tokenizer';
import { createClipTokenizerFromBpeGz, MAX_BPE_VOCAB_INFLATED_BYTES } from './clip-bpe-loaders';
import { MAX_CONTEXT_LENGTH, packTokenRows } from './tokenizer';
import { createTokenizerFromConfig, parseTokenizerConfig } from './tokenizer-config';

describe('bounded vocabulary decompression', () => {
  it('refuses a gzip that inflates past the bound, before inflating all of it', () => {
    // 32 MiB of one byte (no newline: the merge-line count is never reached) gzips to ~32 KB
    const bomb = gzipSync(new Uint8Array(32 * 2 ** 20).fill(0x61), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => createClipTokenizerFromBpeGz(bomb)).toThrow(/inflates to more than 16777216 bytes \(maxInflatedBytes\)/);
    expect(MAX_BPE_VOCAB_INFLATED_BYTES).toBe(16 * 2 ** 20);
  });

  it('reads the real vocabulary within the bound, and a tighter bound names the limit', () => {
    const gz = new Uint8Array(readFileSync(bpeVocabPath));
    expect(createClipTokenizerFromBpeGz(gz).encode('a photo of a bottle.')).toEqual([320, 1125, 539, 320, 5392, 269]);
    expect(() => createClipTokenizerFromBpeGz(gz, { maxInflatedBytes: 100_000 })).toThrow(/more than 100000 bytes/);
    expect(() => createClipTokenizerFromBpeGz(gz, { maxInflatedBytes: 0 })).toThrow(/maxInflatedBytes must be a positive integer/);
  });

  it('still reports bytes that are not gzip', () => {
    expect(() => createClipTokenizerFromBpeGz(new Uint8Array([1, 2, 3]))).toThrow(/not valid gzip/);
  });
});

describe('bounded context length', () => {
  it('refuses a metadata contextLength of 1e8, naming the key and the limit', () => {
    expect(() => parseTokenizerConfig({ type: 'byte', contextLength: 1e8 })).toThrow(
      `tokenizer config (byte): contextLength must be an integer from 2 (room for SOT and EOT) to ${MAX_CONTEXT_LENGTH}, got 100000000`,
    );
    expect(() => parseTokenizerConfig({ type: 'clip-bpe', contextLength: 1e8 })).toThrow(/clip-bpe\): contextLength/);
    expect(() => createTokenizerFromConfig({ type: 'byte', contextLength: 1e8 })).toThrow(/contextLength/);
    expect(() => new ByteTokenizer({ type: 'byte', contextLength: MAX_CONTEXT_LENGTH + 1 })).toThrow(/ByteTokenizer: contextLength/);
  });

  it('accepts the bound itself and refuses a tokenize() override beyond it', () => {
    const tok = new ByteTokenizer({ type: 'byte', contextLength: MAX_CONTEXT_LENGTH });
    expect(tok.tokenizeWithShape('ab').shape).toEqual([1, MAX_CONTEXT_LENGTH]);
    expect(() => packTokenRows(tok, ['ab'], { contextLength: 1e8 })).toThrow(/tokenize: contextLength must be an integer from 2/);
  });
});

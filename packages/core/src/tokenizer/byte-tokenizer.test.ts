import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath } from '../../../../test-utils/fixtures';
import { ByteTokenizer } from './byte-tokenizer';
import { ClipBpeTokenizer } from './clip-bpe-tokenizer';
import { createTokenizerFromConfig, parseTokenizerConfig } from './tokenizer-config';

describe('ByteTokenizer', () => {
  const tok = new ByteTokenizer({ type: 'byte', contextLength: 16 });

  it('maps each UTF-8 byte of the cleaned text to byte + 1', () => {
    expect(tok.encode('Hi!')).toEqual([105, 106, 34]);
    expect(tok.encode('  \u00c9t\u00e9  ')).toEqual([0xc3 + 1, 0xa9 + 1, 0x74 + 1, 0xc3 + 1, 0xa9 + 1]);
    expect(tok.encode('a &amp;  b')).toEqual([98, 33, 39, 33, 99]);
    expect(tok.vocabSize).toBe(259);
  });

  it('builds padded rows with SOT/EOT', () => {
    const { data, shape } = tok.tokenizeWithShape(['Hi!', '']);
    expect(shape).toEqual([2, 16]);
    expect(Array.from(data)).toEqual([
      257, 105, 106, 34, 258, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      257, 258, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('uses configured ids, including a non-zero pad', () => {
    const custom = new ByteTokenizer({ type: 'byte', contextLength: 6, sot: 300, eot: 301, pad: 302 });
    expect(Array.from(custom.tokenize('ab'))).toEqual([300, 98, 99, 301, 302, 302]);
    expect(custom.vocabSize).toBe(303);
    expect(custom.toConfig()).toEqual({ type: 'byte', contextLength: 6, sot: 300, eot: 301, pad: 302 });
  });

  it('truncates with EOT last or throws naming the text', () => {
    const long = 'abcdefghijklmnopqrstuvwxyz'.repeat(3);
    const row = tok.tokenize(long, { truncate: true });
    expect(row[0]).toBe(257);
    expect(row[15]).toBe(258);
    expect(Array.from(row.subarray(1, 15))).toEqual(Array.from('abcdefghijklmn', (c) => c.charCodeAt(0) + 1));
    expect(() => tok.tokenize(long)).toThrow(`"${long.slice(0, 60)}…" (78 chars) is 80 tokens with SOT/EOT, longer than the context length 16`);
  });

  it('decodes, round-tripping multi-byte characters', () => {
    const row = tok.tokenize('Caf\u00e9 \ud83d\ude00');
    expect(tok.decode(row, { skipSpecialTokens: true })).toBe('caf\u00e9 \ud83d\ude00');
    expect(tok.decode(row)).toBe('<|startoftext|>caf\u00e9 \ud83d\ude00<|endoftext|>');
    expect(() => tok.decode([259])).toThrow('ids[0] = 259 is not a byte id');
  });

  it('validates its config', () => {
    expect(() => new ByteTokenizer({ sot: 5 })).toThrow('sot = 5 collides with the byte ids 1..256');
    expect(() => new ByteTokenizer({ sot: 257, eot: 257 })).toThrow('sot and eot must differ');
    expect(() => new ByteTokenizer({ contextLength: 1 })).toThrow('contextLength must be an integer from 2 (room for SOT and EOT) to 4096, got 1');
    expect(() => new ByteTokenizer({ pad: -1 })).toThrow('pad must be a non-negative integer, got -1');
  });
});

describe('createTokenizerFromConfig', () => {
  it('builds a byte tokenizer from a plain (JSON) config', () => {
    const config = JSON.parse('{"type":"byte","contextLength":8,"sot":257,"eot":258,"pad":0}');
    const tok = createTokenizerFromConfig(config);
    expect(tok).toBeInstanceOf(ByteTokenizer);
    expect(Array.from(tok.tokenize('ok'))).toEqual([257, 112, 108, 258, 0, 0, 0, 0]);
  });

  it('builds the CLIP tokenizer from the gz vocabulary', () => {
    const bpeVocabGz = new Uint8Array(readFileSync(bpeVocabPath));
    const tok = createTokenizerFromConfig({ type: 'clip-bpe', contextLength: 10 }, { bpeVocabGz });
    expect(tok).toBeInstanceOf(ClipBpeTokenizer);
    expect(Array.from(tok.tokenize('screw.'))).toEqual([49406, 14225, 269, 49407, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects unknown types, unknown keys, bad values and missing files', () => {
    expect(() => parseTokenizerConfig({ type: 'wordpiece' })).toThrow('type must be "byte" or "clip-bpe", got "wordpiece"');
    expect(() => parseTokenizerConfig({ type: 'byte', bos: 1 })).toThrow('unknown keys ["bos"]');
    expect(() => parseTokenizerConfig({ type: 'byte', sot: '257' })).toThrow('sot must be an integer, got "257"');
    expect(() => parseTokenizerConfig(null)).toThrow('tokenizer config must be an object, got null');
    expect(() => createTokenizerFromConfig({ type: 'clip-bpe' })).toThrow('needs tokenizerJson, vocabJson + mergesTxt, or bpeVocabGz');
  });
});

// A dependency-free tokenizer for small demo models: one id per UTF-8 byte of the cleaned text.

import { cleanText } from './clean-text';
import {
  DEFAULT_CONTEXT_LENGTH,
  checkContextLength,
  packTokenRows,
  type DecodeOptions,
  type TokenizedTexts,
  type TokenizeOptions,
  type Tokenizer,
} from './tokenizer';
import { utf8Decode, utf8Encode } from './utf8';

/** Plain description of a {@link ByteTokenizer}, storable in a model's metadata. */
export interface ByteTokenizerConfig {
  type: 'byte';
  /** Default row length. Default 77. */
  contextLength?: number;
  /** Start-of-text id. Default 257. */
  sot?: number;
  /** End-of-text id. Default 258. */
  eot?: number;
  /** Padding id. Default 0. */
  pad?: number;
}

function checkId(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`ByteTokenizer: ${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  if (value >= 1 && value <= 256) {
    throw new RangeError(`ByteTokenizer: ${name} = ${value} collides with the byte ids 1..256`);
  }
  return value;
}

/**
 * Byte-level tokenizer: text is cleaned as CLIP does (ftfy subset, HTML unescape, whitespace,
 * lower case), then each UTF-8 byte `b` becomes id `b + 1`. With the defaults the vocabulary has
 * 259 ids: pad 0, bytes 1..256, SOT 257, EOT 258.
 *
 * @example
 * const tok = new ByteTokenizer({ type: 'byte', contextLength: 16 });
 * tok.encode('Hi!'); // [105, 106, 34]
 * tok.tokenize('Hi!'); // Int32Array(16) [257, 105, 106, 34, 258, 0, ...]
 */
export class ByteTokenizer implements Tokenizer {
  readonly sotTokenId: number;
  readonly eotTokenId: number;
  readonly padTokenId: number;
  readonly contextLength: number;
  readonly vocabSize: number;

  constructor(config: Partial<ByteTokenizerConfig> = {}) {
    if (config === null || typeof config !== 'object') throw new TypeError('ByteTokenizer: config must be an object');
    if (config.type !== undefined && config.type !== 'byte') {
      throw new Error(`ByteTokenizer: config.type must be "byte", got ${JSON.stringify(config.type)}`);
    }
    const { contextLength = DEFAULT_CONTEXT_LENGTH, sot = 257, eot = 258, pad = 0 } = config;
    checkContextLength(contextLength, 'ByteTokenizer: contextLength');
    this.sotTokenId = checkId(sot, 'sot');
    this.eotTokenId = checkId(eot, 'eot');
    this.padTokenId = checkId(pad, 'pad');
    if (sot === eot) throw new RangeError(`ByteTokenizer: sot and eot must differ, both are ${sot}`);
    this.contextLength = contextLength;
    this.vocabSize = Math.max(256, sot, eot, pad) + 1;
  }

  /** The plain config object that recreates this tokenizer. */
  toConfig(): Required<ByteTokenizerConfig> {
    return { type: 'byte', contextLength: this.contextLength, sot: this.sotTokenId, eot: this.eotTokenId, pad: this.padTokenId };
  }

  /**
   * Byte ids (byte + 1) of the cleaned text.
   *
   * @example
   * tok.encode('é'); // [196, 170]
   */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError(`ByteTokenizer.encode: text must be a string, got ${typeof text}`);
    return Array.from(utf8Encode(cleanText(text)), (b) => b + 1);
  }

  /**
   * Text of byte ids. SOT/EOT appear as `<|startoftext|>` / `<|endoftext|>` and padding is dropped,
   * unless `skipSpecialTokens` (then SOT is dropped and decoding stops at the first EOT).
   *
   * @example
   * tok.decode([257, 105, 106, 34, 258, 0], { skipSpecialTokens: true }); // 'hi!'
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    if (ids == null || typeof ids.length !== 'number') throw new TypeError('ByteTokenizer.decode: ids must be an array of integers');
    let out = '';
    let bytes: number[] = [];
    const flush = (): void => {
      out += utf8Decode(bytes);
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (Number.isInteger(id) && id >= 1 && id <= 256) {
        bytes.push(id - 1);
        continue;
      }
      if (id === this.eotTokenId) {
        if (options.skipSpecialTokens) break;
        flush();
        out += '<|endoftext|>';
      } else if (id === this.sotTokenId) {
        if (options.skipSpecialTokens) continue;
        flush();
        out += '<|startoftext|>';
      } else if (id !== this.padTokenId) {
        throw new RangeError(`ByteTokenizer.decode: ids[${i}] = ${id} is not a byte id (1..256), SOT, EOT or pad`);
      }
    }
    flush();
    return out;
  }

  /** Token rows `[SOT, bytes..., EOT, pad...]`, flat `[N, contextLength]`. */
  tokenize(texts: string | readonly string[], options?: TokenizeOptions): Int32Array {
    return packTokenRows(this, texts, options).data;
  }

  /** {@link tokenize} with the batch shape. */
  tokenizeWithShape(texts: string | readonly string[], options?: TokenizeOptions): TokenizedTexts {
    return packTokenRows(this, texts, options);
  }
}

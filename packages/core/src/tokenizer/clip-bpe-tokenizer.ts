// CLIP's byte-level BPE tokenizer (OpenAI `simple_tokenizer.py`, open_clip `tokenize`).

import { bytesToUnicode } from './bytes-to-unicode';
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

export const SOT_TOKEN = '<|startoftext|>';
export const EOT_TOKEN = '<|endoftext|>';
export const END_OF_WORD = '</w>';

/**
 * CLIP's pre-tokenizer, on cleaned (lower-cased) text. `\s` is spelled out as the `regex`
 * module's Unicode whitespace; the `i` flag makes `'s` also match `'ſ`, as Python's IGNORECASE.
 */
const WORD_RE =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\p{L}\p{N}]+/giu;

const MAX_CACHE = 100_000;

/** What a {@link ClipBpeTokenizer} is built from (see the loaders for the usual file formats). */
export interface ClipBpeTokenizerInit {
  /** Symbol -> id, symbols in byte-encoded form ('</w>' suffix on word-final symbols). */
  vocab: ReadonlyMap<string, number>;
  /** Merge rules, highest priority first. */
  merges: ReadonlyArray<readonly [string, string]>;
  /** Default row length of `tokenize`. Default 77. */
  contextLength?: number;
  /** Padding id. Default 0. */
  padTokenId?: number;
  /** Where the vocabulary came from, for error messages. */
  source?: string;
}

/**
 * CLIP's tokenizer: cleans text (ftfy subset, HTML unescape, whitespace, lower case), splits it
 * with CLIP's regex, byte-encodes each piece and applies BPE merges by rank (with a cache).
 *
 * @example
 * const tok = createClipTokenizerFromBpeGz(gzBytes);
 * tok.encode('a photo of a cat.'); // [320, 1125, 539, 320, 2368, 269]
 * tok.tokenize(['a photo of a cat.']); // Int32Array(77) [49406, 320, ..., 49407, 0, ...]
 */
export class ClipBpeTokenizer implements Tokenizer {
  readonly sotTokenId: number;
  readonly eotTokenId: number;
  readonly padTokenId: number;
  readonly contextLength: number;
  readonly vocabSize: number;
  private readonly encoder: ReadonlyMap<string, number>;
  private readonly decoder: (string | undefined)[];
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, readonly number[]>();
  private readonly source: string;

  constructor(init: ClipBpeTokenizerInit) {
    if (init === null || typeof init !== 'object') throw new TypeError('ClipBpeTokenizer: init must be an object');
    const { vocab, merges, contextLength = DEFAULT_CONTEXT_LENGTH, padTokenId = 0, source = 'vocabulary' } = init;
    if (!(vocab instanceof Map)) throw new TypeError(`ClipBpeTokenizer: vocab (${source}) must be a Map<string, number>`);
    if (!Array.isArray(merges)) throw new TypeError(`ClipBpeTokenizer: merges (${source}) must be an array of [a, b] pairs`);
    checkContextLength(contextLength, 'ClipBpeTokenizer: contextLength');
    this.source = source;
    this.encoder = vocab;
    this.decoder = [];
    let maxId = -1;
    for (const [symbol, id] of vocab) {
      if (!Number.isInteger(id) || id < 0) {
        throw new RangeError(`ClipBpeTokenizer: ${source}: id of ${JSON.stringify(symbol)} must be a non-negative integer, got ${id}`);
      }
      this.decoder[id] = symbol;
      if (id > maxId) maxId = id;
    }
    merges.forEach((pair, rank) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new TypeError(`ClipBpeTokenizer: ${source}: merge ${rank} must be a pair of strings, got ${JSON.stringify(pair)}`);
      }
      this.ranks.set(`${pair[0]} ${pair[1]}`, rank); // symbols never contain ' ' (byte-encoded)
    });
    this.sotTokenId = this.requireSpecial(SOT_TOKEN);
    this.eotTokenId = this.requireSpecial(EOT_TOKEN);
    if (!Number.isInteger(padTokenId) || padTokenId < 0) {
      throw new RangeError(`ClipBpeTokenizer: padTokenId must be a non-negative integer, got ${padTokenId}`);
    }
    this.padTokenId = padTokenId;
    this.contextLength = contextLength;
    this.vocabSize = Math.max(maxId, padTokenId) + 1;
    this.cache.set(SOT_TOKEN, [this.sotTokenId]);
    this.cache.set(EOT_TOKEN, [this.eotTokenId]);
  }

  private requireSpecial(token: string): number {
    const id = this.encoder.get(token);
    if (id === undefined) throw new Error(`ClipBpeTokenizer: ${this.source} has no ${JSON.stringify(token)} entry`);
    return id;
  }

  /** Applies the merges to one byte-encoded word; returns its symbols. */
  private bpe(word: string): string[] {
    const symbols = Array.from(word); // byte-encoded chars are all in the BMP
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = symbols[best];
      const second = symbols[best + 1];
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; ) {
        if (i < symbols.length - 1 && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(symbols[i++]);
        }
      }
      symbols.length = 0;
      symbols.push(...merged);
    }
    return symbols;
  }

  private encodeWord(word: string): readonly number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const ids = this.bpe(word).map((symbol) => {
      const id = this.encoder.get(symbol);
      if (id === undefined) {
        throw new Error(`ClipBpeTokenizer: BPE symbol ${JSON.stringify(symbol)} (word ${JSON.stringify(word)}) is not in ${this.source}`);
      }
      return id;
    });
    if (this.cache.size >= MAX_CACHE) {
      this.cache.clear();
      this.cache.set(SOT_TOKEN, [this.sotTokenId]);
      this.cache.set(EOT_TOKEN, [this.eotTokenId]);
    }
    this.cache.set(word, ids);
    return ids;
  }

  /**
   * BPE ids of `text` after CLIP's cleaning, without SOT/EOT. A literal `<|startoftext|>` or
   * `<|endoftext|>` in the text becomes the special id, as in CLIP.
   *
   * @example
   * tok.encode('Screw   With FLAW!'); // [14225, 593, 34978, 256]
   */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError(`ClipBpeTokenizer.encode: text must be a string, got ${typeof text}`);
    const { byteToChar } = bytesToUnicode();
    const out: number[] = [];
    for (const match of cleanText(text).matchAll(WORD_RE)) {
      const piece = match[0];
      let word = '';
      if (piece === SOT_TOKEN || piece === EOT_TOKEN) word = piece;
      else for (const b of utf8Encode(piece)) word += byteToChar[b];
      for (const id of this.encodeWord(word)) out.push(id);
    }
    return out;
  }

  /**
   * CLIP's `decode`: symbols joined, bytes decoded as UTF-8 (invalid sequences become U+FFFD),
   * every '</w>' replaced by a space.
   *
   * @example
   * tok.decode([320, 1125, 539]); // 'a photo of '
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    if (ids == null || typeof ids.length !== 'number') throw new TypeError('ClipBpeTokenizer.decode: ids must be an array of integers');
    const { charToByte } = bytesToUnicode();
    let symbols = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (options.skipSpecialTokens) {
        if (id === this.eotTokenId) break;
        if (id === this.sotTokenId) continue;
      }
      const symbol = Number.isInteger(id) ? this.decoder[id] : undefined;
      if (symbol === undefined) throw new RangeError(`ClipBpeTokenizer.decode: ids[${i}] = ${id} is not in ${this.source}`);
      symbols += symbol;
    }
    const bytes: number[] = [];
    for (const ch of symbols) {
      const b = charToByte.get(ch);
      if (b === undefined) throw new RangeError(`ClipBpeTokenizer.decode: symbol character ${JSON.stringify(ch)} is not byte-encoded`);
      bytes.push(b);
    }
    return utf8Decode(bytes).split(END_OF_WORD).join(' ');
  }

  /**
   * Token rows `[SOT, ids..., EOT, 0...]`, flat `[N, contextLength]`.
   *
   * @example
   * tok.tokenize(['screw.', 'a photo of the screw.']).length; // 154
   */
  tokenize(texts: string | readonly string[], options?: TokenizeOptions): Int32Array {
    return packTokenRows(this, texts, options).data;
  }

  /**
   * {@link tokenize} with the batch shape.
   *
   * @example
   * tok.tokenizeWithShape('screw.').shape; // [1, 77]
   */
  tokenizeWithShape(texts: string | readonly string[], options?: TokenizeOptions): TokenizedTexts {
    return packTokenRows(this, texts, options);
  }
}

// The tokenizer interface shared by the CLIP BPE tokenizer and the byte tokenizer, and the
// packing of token sequences into a padded [N, contextLength] batch.

/** Default CLIP context length. */
export const DEFAULT_CONTEXT_LENGTH = 77;

/**
 * Longest token row a tokenizer accepts (CLIP uses 77, Long-CLIP 248). The token batch is
 * texts x contextLength ids, and the text tower's position table must be as long: a
 * `contextLength` of 1e8 in a model's metadata cost 2.6 GiB before failing.
 */
export const MAX_CONTEXT_LENGTH = 4096;

/** Throws a `RangeError` naming `what` unless `n` is an integer in [2, MAX_CONTEXT_LENGTH]. */
export function checkContextLength(n: unknown, what: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > MAX_CONTEXT_LENGTH) {
    throw new RangeError(`${what} must be an integer from 2 (room for SOT and EOT) to ${MAX_CONTEXT_LENGTH}, got ${JSON.stringify(n)}`);
  }
}

/** Options of {@link Tokenizer.tokenize}. */
export interface TokenizeOptions {
  /** Row length, SOT and EOT included. Default: the tokenizer's `contextLength` (77 for CLIP). */
  contextLength?: number;
  /**
   * When a text is too long: `true` cuts it to `contextLength` tokens and makes the last one EOT
   * (as open_clip does); `false` (default, as OpenAI CLIP) throws an error naming the text.
   */
  truncate?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop SOT tokens and stop at the first EOT (so the padding after it is ignored). */
  skipSpecialTokens?: boolean;
}

/** A batch of token ids, row-major `[N, contextLength]`. */
export interface TokenizedTexts {
  data: Int32Array;
  shape: [number, number];
}

/** What every text tokenizer of this package provides. */
export interface Tokenizer {
  /** Start-of-text id (49406 for CLIP). */
  readonly sotTokenId: number;
  /** End-of-text id (49407 for CLIP); the text encoder pools at its position (argmax of ids). */
  readonly eotTokenId: number;
  /** Id written after EOT up to the row length (0 for CLIP). */
  readonly padTokenId: number;
  /** Default row length of {@link tokenize}. */
  readonly contextLength: number;
  /** Number of ids the embedding table must have (largest id + 1). */
  readonly vocabSize: number;
  /** Ids of the cleaned text, without SOT/EOT. */
  encode(text: string): number[];
  /** Text of a sequence of ids. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** `[SOT, ...encode(text), EOT, pad...]` for each text, flat `[N, contextLength]`. */
  tokenize(texts: string | readonly string[], options?: TokenizeOptions): Int32Array;
  /** {@link tokenize} with its shape. */
  tokenizeWithShape(texts: string | readonly string[], options?: TokenizeOptions): TokenizedTexts;
}

/** The pieces of a tokenizer {@link packTokenRows} needs. */
export interface TokenRowSource {
  readonly sotTokenId: number;
  readonly eotTokenId: number;
  readonly padTokenId: number;
  readonly contextLength: number;
  encode(text: string): number[];
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * Tokenizes texts into a padded batch: each row is SOT, the text's ids, EOT, then padding.
 *
 * @example
 * const { data, shape } = packTokenRows(tokenizer, ['a photo of a cat.'], { contextLength: 77 });
 * // shape [1, 77]; data[0] === tokenizer.sotTokenId
 */
export function packTokenRows(
  source: TokenRowSource,
  texts: string | readonly string[],
  options: TokenizeOptions = {},
): TokenizedTexts {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list)) throw new TypeError(`tokenize: texts must be a string or an array of strings, got ${typeof texts}`);
  const { contextLength = source.contextLength, truncate = false } = options ?? {};
  checkContextLength(contextLength, 'tokenize: contextLength');
  const rows = list.length;
  const data = new Int32Array(rows * contextLength);
  if (source.padTokenId !== 0) data.fill(source.padTokenId);
  for (let r = 0; r < rows; r++) {
    const text = list[r];
    if (typeof text !== 'string') throw new TypeError(`tokenize: texts[${r}] must be a string, got ${typeof text}`);
    const ids = source.encode(text);
    const total = ids.length + 2;
    if (total > contextLength && !truncate) {
      throw new RangeError(
        `tokenize: text ${r} ${preview(text)} (${text.length} chars) is ${total} tokens with SOT/EOT, ` +
          `longer than the context length ${contextLength}; shorten it or pass { truncate: true }`,
      );
    }
    const base = r * contextLength;
    data[base] = source.sotTokenId;
    const kept = Math.min(ids.length, contextLength - 2);
    for (let i = 0; i < kept; i++) data[base + 1 + i] = ids[i];
    data[base + 1 + kept] = source.eotTokenId;
  }
  return { data, shape: [rows, contextLength] };
}

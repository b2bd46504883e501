// Tokenizers described by plain objects (model metadata) and built by one factory.

import { ByteTokenizer, type ByteTokenizerConfig } from './byte-tokenizer';
import type { ClipBpeTokenizer } from './clip-bpe-tokenizer';
import { createClipTokenizerFromBpeGz, createClipTokenizerFromHf } from './clip-bpe-loaders';
import { checkContextLength, type Tokenizer } from './tokenizer';

/** CLIP's BPE tokenizer; its vocabulary comes from {@link TokenizerFiles}. */
export interface ClipBpeTokenizerConfig {
  type: 'clip-bpe';
  /** Default row length. Default 77. */
  contextLength?: number;
  /** Padding id. Default 0. */
  pad?: number;
}

/** A tokenizer description that fits in JSON metadata. */
export type TokenizerConfig = ByteTokenizerConfig | ClipBpeTokenizerConfig;

/** Vocabulary files a `clip-bpe` config needs (one of the three forms). */
export interface TokenizerFiles {
  /** OpenAI's `bpe_simple_vocab_16e6.txt.gz` bytes. */
  bpeVocabGz?: Uint8Array;
  /** Hugging Face `vocab.json` (with `mergesTxt`). */
  vocabJson?: string | Uint8Array;
  /** Hugging Face `merges.txt` (with `vocabJson`). */
  mergesTxt?: string | Uint8Array;
  /** Hugging Face `tokenizer.json`. */
  tokenizerJson?: string | Uint8Array;
}

const KEYS: Record<TokenizerConfig['type'], readonly string[]> = {
  byte: ['type', 'contextLength', 'sot', 'eot', 'pad'],
  'clip-bpe': ['type', 'contextLength', 'pad'],
};

/**
 * Checks that `value` is a {@link TokenizerConfig} (known `type`, no unknown keys) and returns it.
 *
 * @example
 * parseTokenizerConfig(JSON.parse('{"type":"byte","contextLength":32}'));
 */
export function parseTokenizerConfig(value: unknown): TokenizerConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`tokenizer config must be an object, got ${JSON.stringify(value)}`);
  }
  const type = (value as { type?: unknown }).type;
  if (type !== 'byte' && type !== 'clip-bpe') {
    throw new Error(`tokenizer config: type must be "byte" or "clip-bpe", got ${JSON.stringify(type)}`);
  }
  const unknown = Object.keys(value).filter((k) => !KEYS[type].includes(k));
  if (unknown.length > 0) throw new Error(`tokenizer config (${type}): unknown keys ${JSON.stringify(unknown)}`);
  for (const key of KEYS[type].slice(1)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
      throw new TypeError(`tokenizer config (${type}): ${key} must be an integer, got ${JSON.stringify(v)}`);
    }
  }
  const contextLength = (value as { contextLength?: unknown }).contextLength;
  if (contextLength !== undefined) checkContextLength(contextLength, `tokenizer config (${type}): contextLength`);
  return value as TokenizerConfig;
}

/**
 * Builds the tokenizer a config describes. `byte` needs no files; `clip-bpe` needs
 * `tokenizerJson`, or `vocabJson` + `mergesTxt`, or `bpeVocabGz` (tried in that order).
 *
 * @example
 * createTokenizerFromConfig({ type: 'byte', contextLength: 32, sot: 257, eot: 258, pad: 0 });
 * createTokenizerFromConfig({ type: 'clip-bpe' }, { bpeVocabGz });
 */
export function createTokenizerFromConfig(config: TokenizerConfig, files: TokenizerFiles = {}): Tokenizer {
  const checked = parseTokenizerConfig(config);
  if (checked.type === 'byte') return new ByteTokenizer(checked);
  const options = { contextLength: checked.contextLength, padTokenId: checked.pad };
  let tokenizer: ClipBpeTokenizer;
  if (files.tokenizerJson !== undefined) {
    tokenizer = createClipTokenizerFromHf({ tokenizerJson: files.tokenizerJson }, options);
  } else if (files.vocabJson !== undefined && files.mergesTxt !== undefined) {
    tokenizer = createClipTokenizerFromHf({ vocabJson: files.vocabJson, mergesTxt: files.mergesTxt }, options);
  } else if (files.bpeVocabGz !== undefined) {
    tokenizer = createClipTokenizerFromBpeGz(files.bpeVocabGz, options);
  } else {
    throw new Error(
      `createTokenizerFromConfig: a "clip-bpe" tokenizer needs tokenizerJson, vocabJson + mergesTxt, or bpeVocabGz; ` +
        `got files ${JSON.stringify(Object.keys(files))}`,
    );
  }
  return tokenizer;
}

// Public surface of the tokenizer module.
export { DEFAULT_CONTEXT_LENGTH, MAX_CONTEXT_LENGTH, packTokenRows } from './tokenizer';
export type { Tokenizer, TokenizeOptions, DecodeOptions, TokenizedTexts, TokenRowSource } from './tokenizer';
export { ClipBpeTokenizer, SOT_TOKEN, EOT_TOKEN, END_OF_WORD } from './clip-bpe-tokenizer';
export type { ClipBpeTokenizerInit } from './clip-bpe-tokenizer';
export { createClipTokenizerFromBpeGz, createClipTokenizerFromHf, parseMergesTxt, CLIP_MERGE_COUNT, MAX_BPE_VOCAB_INFLATED_BYTES } from './clip-bpe-loaders';
export type { ClipTokenizerBuildOptions, ClipBpeGzOptions, HfTokenizerFiles } from './clip-bpe-loaders';
export { ByteTokenizer } from './byte-tokenizer';
export type { ByteTokenizerConfig } from './byte-tokenizer';
export { createTokenizerFromConfig, parseTokenizerConfig } from './tokenizer-config';
export type { TokenizerConfig, ClipBpeTokenizerConfig, TokenizerFiles } from './tokenizer-config';
export { cleanText, basicClean, whitespaceClean } from './clean-text';
export { fixText } from './fix-text';
export { unescapeHtml, namedCharacterReference } from './html-entities';
export { bytesToUnicode } from './bytes-to-unicode';
export type { ByteUnicodeTable } from './bytes-to-unicode';
export { utf8Encode, utf8Decode } from './utf8';

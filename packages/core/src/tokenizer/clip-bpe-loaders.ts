// Builders of the CLIP tokenizer from the files it ships as: OpenAI's gzipped merge list
// (`bpe_simple_vocab_16e6.txt.gz`), or Hugging Face's `vocab.json` + `merges.txt` or
// `tokenizer.json`. Inputs are bytes or strings: reading files is the caller's business.

import { Gunzip } from 'fflate';
import { bytesToUnicode } from './bytes-to-unicode';
import { ClipBpeTokenizer, END_OF_WORD, EOT_TOKEN, SOT_TOKEN } from './clip-bpe-tokenizer';
import { utf8Decode } from './utf8';

/** Number of merges CLIP reads from its 262,145-line merge file: 49152 - 256 - 2. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

/** Options shared by the builders. */
export interface ClipTokenizerBuildOptions {
  /** Default row length of `tokenize`. Default 77. */
  contextLength?: number;
  /** Padding id. Default 0. */
  padTokenId?: number;
}

/**
 * Default bound on the bytes `bpe_simple_vocab_16e6.txt.gz` may inflate to (16 MiB; the real
 * file inflates to 1.6 MB). A 1 MB gzip bomb otherwise inflates to gigabytes.
 */
export const MAX_BPE_VOCAB_INFLATED_BYTES = 16 * 2 ** 20;

/** Options of {@link createClipTokenizerFromBpeGz}. */
export interface ClipBpeGzOptions extends ClipTokenizerBuildOptions {
  /** How many merges to read after the header line. Default {@link CLIP_MERGE_COUNT}. */
  mergeCount?: number;
  /** Most bytes the gzip may inflate to (default {@link MAX_BPE_VOCAB_INFLATED_BYTES}). */
  maxInflatedBytes?: number;
}

type Pair = readonly [string, string];

/** Input bytes fed to the inflater at a time: one push inflates to at most ~1,032x this. */
const GZ_CHUNK = 16_384;

/**
 * Inflates `gz` until `lines` newlines have been seen or the stream ends, and never past
 * `maxBytes` (an error says so): only what the tokenizer reads is inflated.
 */
function gunzipLines(gz: Uint8Array, lines: number, maxBytes: number, where: string): Uint8Array {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new Error(`${where}: the ${gz.length}-byte input is not valid gzip (no gzip header)`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let seen = 0;
  let over = false;
  const inflater = new Gunzip((chunk) => {
    if (over || seen >= lines) return;
    total += chunk.length;
    if (total > maxBytes) {
      over = true;
      return;
    }
    parts.push(chunk);
    for (let i = 0; i < chunk.length && seen < lines; i++) if (chunk[i] === 0x0a) seen++;
  });
  try {
    for (let p = 0; p < gz.length && !over && seen < lines; p += GZ_CHUNK) {
      inflater.push(gz.subarray(p, p + GZ_CHUNK), p + GZ_CHUNK >= gz.length);
    }
  } catch (err) {
    throw new Error(`${where}: the ${gz.length}-byte input is not valid gzip (${(err as Error).message})`);
  }
  if (over) throw new Error(`${where}: the ${gz.length}-byte gzip inflates to more than ${maxBytes} bytes (maxInflatedBytes); the CLIP vocabulary inflates to 1.6 MB`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function asText(data: string | Uint8Array, what: string): string {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return utf8Decode(data);
  throw new TypeError(`${what} must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
}

function splitMerge(line: string, where: string): Pair {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === '') {
    throw new Error(`${where}: a merge must be two symbols separated by a space, got ${JSON.stringify(line)}`);
  }
  return [parts[0], parts[1]];
}

/**
 * Builds CLIP's tokenizer from the gzipped merge list OpenAI ships (`bpe_simple_vocab_16e6.txt.gz`).
 * As in `simple_tokenizer.py`: merges are lines 1..48894; the vocabulary is the 256 byte
 * characters, the same with '</w>', the merge results, then `<|startoftext|>` (49406) and
 * `<|endoftext|>` (49407).
 *
 * @example
 * const tok = createClipTokenizerFromBpeGz(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * tok.tokenize('a photo of a damaged bottle.');
 */
export function createClipTokenizerFromBpeGz(gz: Uint8Array, options: ClipBpeGzOptions = {}): ClipBpeTokenizer {
  if (!(gz instanceof Uint8Array)) throw new TypeError(`createClipTokenizerFromBpeGz: gz must be a Uint8Array, got ${typeof gz}`);
  const { mergeCount = CLIP_MERGE_COUNT, maxInflatedBytes = MAX_BPE_VOCAB_INFLATED_BYTES, ...rest } = options;
  if (!Number.isInteger(mergeCount) || mergeCount < 0) {
    throw new RangeError(`createClipTokenizerFromBpeGz: mergeCount must be a non-negative integer, got ${mergeCount}`);
  }
  if (!Number.isSafeInteger(maxInflatedBytes) || maxInflatedBytes < 1) {
    throw new RangeError(`createClipTokenizerFromBpeGz: maxInflatedBytes must be a positive integer, got ${maxInflatedBytes}`);
  }
  const raw = gunzipLines(gz, mergeCount + 1, maxInflatedBytes, 'BPE vocabulary');
  // Decode only the header and the merges used (the file has 262,145 lines; CLIP reads 48,895).
  let end = 0;
  for (let seen = 0; end < raw.length; end++) {
    if (raw[end] === 0x0a && ++seen === mergeCount + 1) break;
  }
  const lines = utf8Decode(raw.subarray(0, end)).split('\n');
  if (lines.length < mergeCount + 1) {
    throw new Error(`createClipTokenizerFromBpeGz: expected at least ${mergeCount + 1} lines (header + merges), got ${lines.length}`);
  }
  const merges = lines.slice(1, mergeCount + 1).map((line, i) => splitMerge(line, `bpe vocab line ${i + 2}`));
  const { vocabOrder } = bytesToUnicode();
  const symbols = [...vocabOrder, ...vocabOrder.map((c) => c + END_OF_WORD), ...merges.map(([a, b]) => a + b), SOT_TOKEN, EOT_TOKEN];
  const vocab = new Map<string, number>();
  symbols.forEach((s, id) => vocab.set(s, id)); // a repeated symbol keeps its last id, as Python's dict
  return new ClipBpeTokenizer({ vocab, merges, ...rest, source: 'bpe_simple_vocab_16e6.txt.gz' });
}

function vocabFromObject(obj: unknown, where: string): Map<string, number> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new TypeError(`${where} must be a JSON object mapping token strings to ids`);
  }
  const vocab = new Map<string, number>();
  for (const [symbol, id] of Object.entries(obj as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TypeError(`${where}: id of ${JSON.stringify(symbol)} must be a non-negative integer, got ${JSON.stringify(id)}`);
    }
    vocab.set(symbol, id);
  }
  return vocab;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Parses a Hugging Face `merges.txt`: one "a b" merge per line, an optional first line starting
 * with `#version`, blank lines ignored.
 *
 * @example
 * parseMergesTxt('#version: 0.2\ni n\nt h</w>\n'); // [['i', 'n'], ['t', 'h</w>']]
 */
export function parseMergesTxt(text: string | Uint8Array): Array<readonly [string, string]> {
  const lines = asText(text, 'merges.txt').split(/\r?\n/);
  const merges: Array<readonly [string, string]> = [];
  lines.forEach((line, i) => {
    if (i === 0 && line.startsWith('#version')) return;
    if (line.trim() === '') return;
    merges.push(splitMerge(line, `merges.txt line ${i + 1}`));
  });
  return merges;
}

/** Hugging Face tokenizer files: `vocab.json` + `merges.txt`, or `tokenizer.json`. */
export type HfTokenizerFiles =
  | { vocabJson: string | Uint8Array; mergesTxt: string | Uint8Array }
  | { tokenizerJson: string | Uint8Array };

/**
 * Builds CLIP's tokenizer from Hugging Face files (`openai/clip-vit-*`, open_clip hub repos).
 * `tokenizer.json` merges may be "a b" strings or ["a", "b"] arrays. SOT/EOT ids are looked up
 * from the vocabulary (`<|startoftext|>`, `<|endoftext|>`).
 *
 * @example
 * const tok = createClipTokenizerFromHf({ vocabJson, mergesTxt });
 * const tok2 = createClipTokenizerFromHf({ tokenizerJson });
 */
export function createClipTokenizerFromHf(files: HfTokenizerFiles, options: ClipTokenizerBuildOptions = {}): ClipBpeTokenizer {
  if (files === null || typeof files !== 'object') throw new TypeError('createClipTokenizerFromHf: files must be an object');
  if ('tokenizerJson' in files && files.tokenizerJson !== undefined) {
    const doc = parseJson(asText(files.tokenizerJson, 'tokenizer.json'), 'tokenizer.json') as { model?: unknown };
    const model = doc && typeof doc === 'object' ? (doc.model as Record<string, unknown> | undefined) : undefined;
    if (!model || typeof model !== 'object') throw new Error('tokenizer.json has no "model" object');
    if (model.type !== undefined && model.type !== 'BPE') {
      throw new Error(`tokenizer.json: model.type must be "BPE" for CLIP, got ${JSON.stringify(model.type)}`);
    }
    const vocab = vocabFromObject(model.vocab, 'tokenizer.json model.vocab');
    if (!Array.isArray(model.merges)) throw new TypeError('tokenizer.json: model.merges must be an array');
    const merges = model.merges.map((m: unknown, i: number): Pair => {
      if (typeof m === 'string') return splitMerge(m, `tokenizer.json model.merges[${i}]`);
      if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
      throw new TypeError(`tokenizer.json: model.merges[${i}] must be "a b" or ["a", "b"], got ${JSON.stringify(m)}`);
    });
    return new ClipBpeTokenizer({ vocab, merges, ...options, source: 'tokenizer.json' });
  }
  if ('vocabJson' in files && files.vocabJson !== undefined && files.mergesTxt !== undefined) {
    const vocab = vocabFromObject(parseJson(asText(files.vocabJson, 'vocab.json'), 'vocab.json'), 'vocab.json');
    const merges = parseMergesTxt(files.mergesTxt);
    return new ClipBpeTokenizer({ vocab, merges, ...options, source: 'vocab.json' });
  }
  throw new Error(`createClipTokenizerFromHf: give { tokenizerJson } or { vocabJson, mergesTxt }; got keys ${JSON.stringify(Object.keys(files))}`);
}

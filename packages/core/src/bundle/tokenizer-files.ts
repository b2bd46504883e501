/**
 * Tokenizer vocabulary files told apart by content (a file or a URL's name is not always
 * telling): gzip bytes are OpenAI's `bpe_simple_vocab_16e6.txt.gz`; JSON is a Hugging Face
 * `vocab.json` when so named, else a `tokenizer.json`; other text is `merges.txt` when so
 * named and a `vocab.json` comes with it.
 */
import type { TokenizerFiles } from '../tokenizer/tokenizer-config';

/** One vocabulary file: its name (path or URL, for errors and the name rules) and bytes. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  let i = 0;
  // spaces, newlines, tabs and a UTF-8 byte-order mark
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i];
}

function baseName(name: string): string {
  return name.split(/[?#]/)[0]!.split(/[\\/]/).pop() ?? name;
}

/**
 * Sorts vocabulary files into {@link TokenizerFiles} (see the file comment). A file of no
 * known kind is an error naming it and its first bytes.
 *
 * @example tokenizerFilesOf([{ name: 'bpe_simple_vocab_16e6.txt.gz', bytes }]) // { bpeVocabGz: bytes }
 */
export function tokenizerFilesOf(files: readonly NamedBytes[]): TokenizerFiles {
  const out: TokenizerFiles = {};
  const hasVocabJson = files.some((f) => baseName(f.name).endsWith('vocab.json'));
  for (const { name, bytes } of files) {
    const base = baseName(name);
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) out.bpeVocabGz = bytes;
    else if (firstNonSpace(bytes) === 0x7b /* '{' */) {
      if (base.endsWith('vocab.json')) out.vocabJson = bytes;
      else out.tokenizerJson = bytes;
    } else if (base.endsWith('merges.txt') && hasVocabJson) out.mergesTxt = bytes;
    else {
      const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new Error(`${name}: not a gzip BPE vocabulary (bpe_simple_vocab_16e6.txt.gz) nor a tokenizer.json (first bytes ${head})`);
    }
  }
  return out;
}

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../../test-utils/fixtures';
import { bytesToUnicode } from './bytes-to-unicode';
import { createClipTokenizerFromBpeGz, createClipTokenizerFromHf, parseMergesTxt } from './clip-bpe-loaders';
import type { ClipBpeTokenizer } from './clip-bpe-tokenizer';

const SOT = 49406;
const EOT = 49407;

/** Reads one I32 tensor from a safetensors file: u64 LE header length, JSON header, data. */
function readI32Tensor(path: string, name: string): { data: Int32Array; shape: number[] } {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  const entry = header[name];
  expect(entry.dtype).toBe('I32');
  const [start, end] = entry.data_offsets as [number, number];
  const bytes = buf.subarray(8 + headerLen + start, 8 + headerLen + end);
  const data = new Int32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readInt32LE(i * 4);
  return { data, shape: entry.shape };
}

/** Expected ids from a reference Python port of OpenAI's simple_tokenizer.py (+ the ftfy steps). */
const HARD_CASES: Record<string, { text: string; clean: string; ids: number[]; decoded: string }> = {
  accents: {
    text: "Cr\u00e8me br\u00fbl\u00e9e \u00e0 la \u00d1and\u00fa, \u00c6r\u00f8sk\u00f8bing \u2014 na\u00efve co\u00f6peration",
    clean: "cr\u00e8me br\u00fbl\u00e9e \u00e0 la \u00f1and\u00fa, \u00e6r\u00f8sk\u00f8bing \u2014 na\u00efve co\u00f6peration",
    ids: [1075, 12138, 614, 711, 127, 119, 75, 13489, 21259, 1210, 6445, 672, 36019, 267, 42495, 81, 17483, 909, 17483, 5665, 2005, 1097, 35689, 563, 622, 7255, 703, 656],
    decoded: "cr\u00e8me br\u00fbl\u00e9e \u00e0 la \u00f1and\u00fa , \u00e6r\u00f8sk\u00f8bing \u2014 na\u00efve co\u00f6peration ",
  },
  decomposed: {
    text: "cafe\u0301 cre\u0300me",
    clean: "caf\u00e9 cr\u00e8me",
    ids: [15304, 1075, 12138, 614],
    decoded: "caf\u00e9 cr\u00e8me ",
  },
  emoji: {
    text: "a \ud83d\udc31 cat with \ud83d\udc4d\ud83c\udffd and \u2764\ufe0f \ud83c\uddeb\ud83c\uddf7!",
    clean: "a \ud83d\udc31 cat with \ud83d\udc4d\ud83c\udffd and \u2764\ufe0f \ud83c\uddeb\ud83c\uddf7!",
    ids: [320, 22979, 2368, 593, 43722, 537, 1752, 39109, 256],
    decoded: "a \ud83d\udc31 cat with \ud83d\udc4d\ud83c\udffd and \u2764\ufe0f \ud83c\uddeb\ud83c\uddf7! ",
  },
  cjk: {
    text: "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587 \ud55c\uad6d\uc5b4",
    clean: "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587 \ud55c\uad6d\uc5b4",
    ids: [39121, 44353, 34002, 252, 21575, 2429, 228, 47121, 32421, 486, 19759, 255, 29032, 485, 15197, 250, 31871, 255, 31625, 368],
    decoded: "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587 \ud55c\uad6d\uc5b4 ",
  },
  digits: {
    text: "12345 ViT-L/14@336px 3.14159 \u00b2\u00b3 \u0663",
    clean: "12345 vit-l/14@336px 3.14159 \u00b2\u00b3 \u0663",
    ids: [272, 273, 274, 275, 276, 35580, 268, 331, 270, 272, 275, 287, 274, 274, 277, 10262, 274, 269, 272, 275, 272, 276, 280, 41175, 126, 367, 149, 352],
    decoded: "1 2 3 4 5 vit - l / 1 4 @ 3 3 6 px 3 . 1 4 1 5 9 \u00b2 \u00b3 \u0663 ",
  },
  punctuation: {
    text: "wow!!! ... ?!?! --- (a) [b] {c} \"quoted\" #hashtag @user $100 50% a--b",
    clean: "wow!!! ... ?!?! --- (a) [b] {c} \"quoted\" #hashtag @user $100 50% a--b",
    ids: [2781, 995, 678, 16349, 11079, 263, 320, 264, 314, 321, 316, 346, 322, 348, 257, 27706, 257, 258, 9238, 287, 7031, 259, 272, 271, 271, 276, 271, 260, 320, 2432, 321],
    decoded: "wow !!! ... ?!?! --- ( a ) [ b ] { c } \" quoted \" # hashtag @ user $ 1 0 0 5 0 % a -- b ",
  },
  entities: {
    text: "Tom &amp; Jerry &quot;hi&quot; &#39;x&#39; &nbsp;A&nbsp;&nbsp;B &eacute;t&eacute; &#x263A; &amp;amp;lt; &copy2024 &notit; &EACUTE;",
    clean: "tom & jerry \"hi\" 'x' a b \u00e9t\u00e9 \u263a < \u00a92024 \u00acit; \u00e9",
    ids: [2435, 261, 9164, 257, 1883, 257, 262, 343, 262, 320, 321, 3459, 39694, 8703, 283, 5811, 273, 271, 273, 275, 126, 361, 585, 282, 4166],
    decoded: "tom & jerry \" hi \" ' x ' a b \u00e9t\u00e9 \u263a < \u00a9 2 0 2 4 \u00ac it ; \u00e9 ",
  },
  entities_with_tag: {
    text: "<b>bold</b> &amp;amp; &lt;i&gt; &eacute;",
    clean: "<b>bold</b> & <i> \u00e9",
    ids: [283, 321, 285, 8911, 34308, 321, 285, 261, 283, 328, 285, 4166],
    decoded: "< b > bold </ b > & < i > \u00e9 ",
  },
  contractions: {
    text: "don't it's we're I've I'm you'll he'd DON'T",
    clean: "don't it's we're i've i'm you'll he'd don't",
    ids: [847, 713, 585, 568, 649, 982, 328, 1200, 328, 880, 592, 1342, 797, 1896, 847, 713],
    decoded: "don 't it 's we 're i 've i 'm you 'll he 'd don 't ",
  },
  curly: {
    text: "it\u2019s \u201cquoted\u201d \u2018single\u2019",
    clean: "it's \"quoted\" 'single'",
    ids: [585, 568, 257, 27706, 257, 568, 17005, 262],
    decoded: "it 's \" quoted \" 's ingle ' ",
  },
  ligatures_width: {
    text: "\ufb01sh \ufb02ower \uff21\uff22\uff23\u3000\uff11\uff12\uff13",
    clean: "fish flower abc 123",
    ids: [2759, 4055, 5334, 272, 273, 274],
    decoded: "fish flower abc 1 2 3 ",
  },
  special_in_text: {
    text: "<|startoftext|>hello<|endoftext|>",
    clean: "<|startoftext|>hello<|endoftext|>",
    ids: [49406, 3306, 49407],
    decoded: "<|startoftext|>hello <|endoftext|>",
  },
  whitespace: {
    text: "a\u00a0b\u3000c\u2009d\te\nf\r\ng\u2028h",
    clean: "a b c d e f g h",
    ids: [320, 321, 322, 323, 324, 325, 326, 327],
    decoded: "a b c d e f g h ",
  },
  greek: {
    text: "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2",
    clean: "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2 \u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2",
    ids: [138, 123, 138, 112, 139, 227, 139, 225, 139, 225, 138, 113, 139, 227, 139, 480, 139, 225, 138, 107, 139, 225, 139, 227, 139, 228, 138, 123, 139, 480],
    decoded: "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2 \u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2 ",
  },
  controls: {
    text: "a\u0000b\u200bc\ufeffd\u001b[31mred\u001b[0m",
    clean: "ab\u200bcdred",
    ids: [3937, 9844, 4308, 736],
    decoded: "ab \u200b cdred ",
  },
  c1: {
    text: "\u0093hi\u0094 \u0085 \u0080",
    clean: "\"hi\" \u2026 \u20ac",
    ids: [257, 1883, 257, 959, 6309],
    decoded: "\" hi \" \u2026 \u20ac ",
  },
  math_letters: {
    text: "\ud835\udc9c\ud835\udcb7\ud835\udcb8 x\u00b2",
    clean: "\ud835\udc9c\ud835\udcb7\ud835\udcb8 x\u00b2",
    ids: [43387, 250, 43387, 115, 43387, 372, 343, 41175],
    decoded: "\ud835\udc9c\ud835\udcb7\ud835\udcb8 x \u00b2 ",
  },
  rare_words: {
    text: "supercalifragilisticexpialidocious xqzjvkw",
    clean: "supercalifragilisticexpialidocious xqzjvkw",
    ids: [1642, 2857, 13093, 2076, 5868, 26850, 835, 639, 38466, 87, 80, 89, 37932, 18339],
    decoded: "supercalifragilisticexpialidocious xqzjvkw ",
  },
  whitespace_only: {
    text: "  \n\t\u3000 ",
    clean: "",
    ids: [],
    decoded: "",
  },
};

let gz: Uint8Array;
let tok: ClipBpeTokenizer;

beforeAll(() => {
  gz = new Uint8Array(readFileSync(bpeVocabPath));
  tok = createClipTokenizerFromBpeGz(gz);
});

describe('CLIP BPE tokenizer from bpe_simple_vocab_16e6.txt.gz', () => {
  it('builds the 49408-entry vocabulary', () => {
    expect(tok.vocabSize).toBe(49408);
    expect(tok.sotTokenId).toBe(SOT);
    expect(tok.eotTokenId).toBe(EOT);
    expect(tok.padTokenId).toBe(0);
    expect(tok.contextLength).toBe(77);
  });

  it('reproduces the fixture tokens of all 8 sentences exactly', () => {
    const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { sentences: string[] };
    const ref = readI32Tensor(fixture('inputs.safetensors'), 'tokens');
    expect(ref.shape).toEqual([8, 77]);
    expect(expected.sentences).toHaveLength(8);
    const { data, shape } = tok.tokenizeWithShape(expected.sentences);
    expect(shape).toEqual([8, 77]);
    for (let r = 0; r < 8; r++) {
      expect(Array.from(data.subarray(r * 77, r * 77 + 77)), `sentence ${r}: ${expected.sentences[r]}`).toEqual(
        Array.from(ref.data.subarray(r * 77, r * 77 + 77)),
      );
    }
    // spot checks of the hard sentences
    expect(tok.encode('a photo of the  Screw   With FLAW!')).toEqual([320, 1125, 539, 518, 14225, 593, 34978, 256]);
    expect(tok.encode("naïve café — 3.5mm holes, 10% off; don't")).toEqual([
      1097, 35689, 563, 15304, 2005, 274, 269, 276, 2848, 11266, 267, 272, 271, 260, 1007, 282, 847, 713,
    ]);
  });

  for (const [name, c] of Object.entries(HARD_CASES)) {
    it(`encodes and decodes the hard case "${name}" like the Python reference`, () => {
      expect(tok.encode(c.text)).toEqual(c.ids);
      expect(tok.decode(c.ids)).toBe(c.decoded);
    });
  }

  it('splits every digit into its own token', () => {
    expect(tok.encode('2024')).toEqual([273, 271, 273, 275]);
    expect(tok.decode(tok.encode('0123456789'))).toBe('0 1 2 3 4 5 6 7 8 9 ');
  });

  it('returns [SOT, EOT, 0, ...] for an empty or blank string', () => {
    for (const text of ['', '   \n\t ']) {
      const row = tok.tokenize(text);
      expect(row.length).toBe(77);
      expect(row[0]).toBe(SOT);
      expect(row[1]).toBe(EOT);
      expect(Array.from(row.subarray(2)).every((v) => v === 0)).toBe(true);
    }
  });

  it('truncates over-long text with EOT last, or throws naming the text', () => {
    const long = `Lorem ipsum ${'a photo of a damaged bottle, '.repeat(20)}`;
    const ids = tok.encode(long);
    expect(ids.length).toBeGreaterThan(75);
    const row = tok.tokenize([long], { truncate: true });
    expect(row.length).toBe(77);
    expect(row[0]).toBe(SOT);
    expect(row[76]).toBe(EOT);
    expect(Array.from(row.subarray(1, 76))).toEqual(ids.slice(0, 75));
    const message = `${long.slice(0, 60)}…`;
    expect(() => tok.tokenize(['ok', long])).toThrow(message);
    expect(() => tok.tokenize(long)).toThrow(`${ids.length + 2} tokens with SOT/EOT, longer than the context length 77`);
    // exactly 77 with SOT/EOT fits without truncation
    const fits = tok.decode(ids.slice(0, 75));
    expect(tok.encode(fits)).toEqual(ids.slice(0, 75));
    expect(tok.tokenize(fits)[76]).toBe(EOT);
  });

  it('honours a custom context length and batches rows', () => {
    const { data, shape } = tok.tokenizeWithShape(['screw.', 'a photo of a damaged dark bottle.'], { contextLength: 12 });
    expect(shape).toEqual([2, 12]);
    expect(Array.from(data)).toEqual([
      SOT, 14225, 269, EOT, 0, 0, 0, 0, 0, 0, 0, 0,
      SOT, 320, 1125, 539, 320, 13568, 3144, 5392, 269, EOT, 0, 0,
    ]);
    expect(() => tok.tokenize('screw.', { contextLength: 1 })).toThrow('contextLength must be an integer from 2 (room for SOT and EOT) to 4096, got 1');
  });

  it('decodes rows, optionally without special tokens and padding', () => {
    const row = tok.tokenize('A photo of a Screw.');
    expect(tok.decode(row, { skipSpecialTokens: true })).toBe('a photo of a screw . ');
    expect(tok.decode(row.subarray(0, 8))).toBe('<|startoftext|>a photo of a screw . <|endoftext|>');
    expect(() => tok.decode([49408])).toThrow('ids[0] = 49408');
  });

  it('rejects bad inputs with messages that name them', () => {
    expect(() => tok.encode(42 as unknown as string)).toThrow('text must be a string, got number');
    expect(() => tok.tokenize(['ok', 7 as unknown as string])).toThrow('texts[1] must be a string');
    expect(() => createClipTokenizerFromBpeGz(new Uint8Array([1, 2, 3]))).toThrow('not valid gzip');
    expect(() => createClipTokenizerFromBpeGz('x' as unknown as Uint8Array)).toThrow('gz must be a Uint8Array');
  });

  it('tokenizes 1000 prompts well under a second', () => {
    const states = ['', 'damaged ', 'broken ', 'flawless ', 'perfect ', 'defective ', 'scratched ', 'cracked ', 'bent ', 'dirty '];
    const objects = ['bottle', 'cable', 'capsule', 'carpet', 'grid', 'hazelnut', 'leather', 'metal nut', 'pill', 'screw'];
    const prompts: string[] = [];
    for (let i = 0; i < 1000; i++) {
      prompts.push(`a photo of a ${states[i % 10]}${objects[Math.floor(i / 10) % 10]} number ${i}.`);
    }
    const t0 = performance.now();
    const out = tok.tokenize(prompts);
    const ms = performance.now() - t0;
    expect(out.length).toBe(77000);
    expect(ms).toBeLessThan(500);
  });
});

describe('CLIP BPE tokenizer from Hugging Face files', () => {
  // Builds vocab.json / merges.txt / tokenizer.json from the gz file, as HF's CLIP files are laid out.
  function hfFiles(): { vocab: Record<string, number>; merges: [string, string][] } {
    const lines = new TextDecoder().decode(gunzipSync(gz)).split('\n').slice(1, 49152 - 256 - 2 + 1);
    const merges = lines.map((l) => l.split(' ') as [string, string]);
    const order = bytesToUnicode().vocabOrder;
    const symbols = [...order, ...order.map((c) => `${c}</w>`), ...merges.map(([a, b]) => a + b), '<|startoftext|>', '<|endoftext|>'];
    // insert in a scrambled order: ids must come from the values, not the key order
    const vocab: Record<string, number> = {};
    for (let k = 0; k < symbols.length; k++) {
      const id = (k * 7919) % symbols.length;
      vocab[symbols[id]] = id;
    }
    return { vocab, merges };
  }

  const texts = () => [
    ...(JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { sentences: string[] }).sentences,
    ...Object.values(HARD_CASES).map((c) => c.text),
  ];

  it('vocab.json + merges.txt gives the same ids as the gz vocabulary', () => {
    const { vocab, merges } = hfFiles();
    const vocabJson = new TextEncoder().encode(JSON.stringify(vocab));
    const mergesTxt = `#version: 0.2\n${merges.map((m) => m.join(' ')).join('\n')}\n`;
    const hf = createClipTokenizerFromHf({ vocabJson, mergesTxt });
    expect(hf.sotTokenId).toBe(SOT);
    expect(hf.eotTokenId).toBe(EOT);
    expect(hf.vocabSize).toBe(49408);
    expect(Array.from(hf.tokenize(texts()))).toEqual(Array.from(tok.tokenize(texts())));
  });

  it('tokenizer.json with "a b" or ["a", "b"] merges gives the same ids', () => {
    const { vocab, merges } = hfFiles();
    const reference = Array.from(tok.tokenize(texts()));
    for (const form of ['string', 'array'] as const) {
      const model = { type: 'BPE', vocab, merges: form === 'string' ? merges.map((m) => m.join(' ')) : merges, end_of_word_suffix: '</w>' };
      const hf = createClipTokenizerFromHf({ tokenizerJson: JSON.stringify({ version: '1.0', model }) });
      expect(Array.from(hf.tokenize(texts())), form).toEqual(reference);
    }
  });

  it('parses merges.txt with or without a #version line and CRLF endings', () => {
    expect(parseMergesTxt('#version: 0.2\r\ni n\r\nt h</w>\r\n')).toEqual([['i', 'n'], ['t', 'h</w>']]);
    expect(parseMergesTxt('i n\n\nt h')).toEqual([['i', 'n'], ['t', 'h']]);
    expect(() => parseMergesTxt('#version: 0.2\nabc\n')).toThrow('merges.txt line 2');
  });

  it('reports missing special tokens and malformed files', () => {
    expect(() => createClipTokenizerFromHf({ vocabJson: '{"a": 0}', mergesTxt: '' })).toThrow('vocab.json has no "<|startoftext|>" entry');
    expect(() => createClipTokenizerFromHf({ vocabJson: '{"a": -1}', mergesTxt: '' })).toThrow('vocab.json: id of "a"');
    expect(() => createClipTokenizerFromHf({ vocabJson: '[1', mergesTxt: '' })).toThrow('vocab.json is not valid JSON');
    expect(() => createClipTokenizerFromHf({ tokenizerJson: '{"model": {"type": "WordPiece"}}' })).toThrow('model.type must be "BPE"');
    expect(() => createClipTokenizerFromHf({ tokenizerJson: '{"model": {"vocab": {}, "merges": [1]}}' })).toThrow('model.merges[0]');
    expect(() => createClipTokenizerFromHf({} as never)).toThrow('give { tokenizerJson } or { vocabJson, mergesTxt }');
  });
});

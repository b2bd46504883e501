import { describe, expect, it } from 'vitest';
import { basicClean, cleanText, whitespaceClean } from './clean-text';
import { fixText } from './fix-text';
import { namedCharacterReference, unescapeHtml } from './html-entities';
import { utf8Decode, utf8Encode } from './utf8';

// [input, ftfy-subset output, CLIP-cleaned output], from a Python rendering of ftfy 6's fixes
// (html.unescape, unicodedata from the standard library) and CLIP's basic/whitespace clean.
const FIX_CASES: [string, string, string][] = [
  ["P&EACUTE;REZ &amp; co", "P\u00c9REZ & co", "p\u00e9rez & co"],
  ["BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE", "bundesstrasse"],
  ["&ntilde; &Ntilde; &NTILDE; &nTILDE;", "\u00f1 \u00d1 \u00d1 &nTILDE;", "\u00f1 \u00f1 \u00f1 &ntilde;"],
  ["&LTIMES; &Eacute", "&LTIMES; &Eacute", "<imes; \u00e9"],
  ["\ufb02u\ufb03e\ufb06", "fluffiest", "fluffiest"],
  ["\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33", "LOUD NOISES", "loud noises"],
  ["\uff35\uff80\uff70\uff9d", "U\u30bf\u30fc\u30f3", "u\u30bf\u30fc\u30f3"],
  ["\u001b[36;44mI'm blue\u001b[0m", "I'm blue", "i'm blue"],
  ["\ufeffParty like\nit&rsquo;s 1999!", "Party like\nit's 1999!", "party like it's 1999!"],
  ["a\r\nb\rc\u2028d\u2029e", "a\nb\nc\nd\ne", "a b c d e"],
  ["\u0085 \u0081 \u009f", "\u2026 \u0081 \u0178", "\u2026 \u0081 \u00ff"],
  ["<b>&amp;</b>", "<b>&amp;</b>", "<b>&</b>"],
  ["a &amp; b\n<i>&amp;</i>\n&amp;", "a & b\n<i>&amp;</i>\n&amp;", "a & b <i>&</i> &"],
  ["e\u0301", "\u00e9", "\u00e9"],
  ["\u0149 \u01c4", "'n D\u017d", "'n d\u017e"],
  ["&amp;amp;amp;", "&", "&"],
  ["x&#x2019;s &#133;", "x's \u2026", "x's \u2026"],
  ["\u02bcok\u201f", "'ok\"", "'ok\""],
  ["a\u0000b\u0007c\u007fd\u206ae\ufffcf\tg", "abcdef\tg", "abcdef g"],
];

// [input, Python html.unescape(input)]
const UNESCAPE_CASES: [string, string][] = [
  ["&amp; &lt; &gt; &quot; &#39; &apos; &nbsp;|", "& < > \" ' ' \u00a0|"],
  ["&amp", "&"],
  ["&ampx &ampx; &notit; &notin; &copy2024", "&x &x; \u00acit; \u2209 \u00a92024"],
  [
    "&#65;&#x42;&#X43;&#0;&#128;&#x9d;&#13;&#xD800;&#x110000;&#1;&#xFFFF;&#99999999999999999999;",
    "ABC\ufffd\u20ac\u009d\r\ufffd\ufffd\ufffd",
  ],
  [
    "&#65 &#x41x &unknown; &AMP; &Eacute &eacute; &hellip;&mdash;&ndash;&rsquo;&ldquo;&rdquo;",
    "A Ax &unknown; & \u00c9 \u00e9 \u2026\u2014\u2013\u2019\u201c\u201d",
  ],
  ["&amp;amp;", "&amp;"],
  ["& ; &; &# &#x; a&b", "& ; &; &# &#x; a&b"],
  ["&frac12; &sup2 &times;3", "\u00bd \u00b2 \u00d73"],
  ["&ltimes; &LTIMES; &lt;&gt", "\u22c9 <IMES; <>"],
];

describe('fixText (ftfy subset)', () => {
  for (const [input, fixed, cleaned] of FIX_CASES) {
    it(`fixes ${JSON.stringify(input)}`, () => {
      expect(fixText(input)).toBe(fixed);
      expect(cleanText(input)).toBe(cleaned);
    });
  }

  it('replaces lone surrogates and keeps pairs', () => {
    expect(fixText('a\ud800b\udc00c\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ud83d\ude00');
  });

  it('rejects non-strings', () => {
    expect(() => fixText(null as unknown as string)).toThrow('fixText: text must be a string, got object');
  });
});

describe('unescapeHtml (Python html.unescape semantics)', () => {
  for (const [input, expected] of UNESCAPE_CASES) {
    it(`unescapes ${JSON.stringify(input)}`, () => expect(unescapeHtml(input)).toBe(expected));
  }

  it('has the common named references', () => {
    expect(namedCharacterReference('nbsp')).toBe('\u00a0');
    expect(namedCharacterReference('euro')).toBe('\u20ac');
    expect(namedCharacterReference('alpha')).toBe('\u03b1');
    expect(namedCharacterReference('Omega')).toBe('\u03a9');
    expect(namedCharacterReference('trade')).toBe('\u2122');
    expect(namedCharacterReference('zcaron')).toBe('\u017e');
    expect(namedCharacterReference('notinva')).toBe('\u2209');
    expect(namedCharacterReference('EACUTE')).toBeUndefined();
  });
});

describe('CLIP cleaning', () => {
  it('collapses Python whitespace (incl. NBSP, ideographic space, U+001C) and strips', () => {
    expect(whitespaceClean(' a \t\n b\u00a0\u00a0c\u3000d\u001ce\u2009 ')).toBe('a b c d e');
    expect(whitespaceClean('a\u200bb')).toBe('a\u200bb'); // zero-width space is not whitespace
  });

  it('unescapes twice after ftfy, then strips', () => {
    expect(basicClean('  <p>&amp;amp;lt;</p> ')).toBe('<p>&lt;</p>'); // '<' stops ftfy's unescape
    expect(basicClean('caf&amp;eacute;')).toBe('caf\u00e9');
  });

  it('lower-cases, including final sigma, after cleaning', () => {
    expect(cleanText('  A photo of the  Screw   With FLAW!')).toBe('a photo of the screw with flaw!');
    expect(cleanText('\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3')).toBe('\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2');
  });
});

describe('UTF-8', () => {
  it('round-trips text including astral characters', () => {
    const text = 'a\u00e9\u20ac\ud83d\ude00\u65e5';
    const bytes = utf8Encode(text);
    expect(Array.from(bytes)).toEqual([0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xe6, 0x97, 0xa5]);
    expect(utf8Decode(bytes)).toBe(text);
    expect(Array.from(utf8Encode('\ud800'))).toEqual([0xef, 0xbf, 0xbd]);
  });

  // [bytes, Python bytes.decode('utf-8', errors='replace')]
  const MALFORMED: [number[], string][] = [
    [[226, 130], '\ufffd'],
    [[224, 128, 128], '\ufffd\ufffd\ufffd'],
    [[97, 255, 98], 'a\ufffdb'],
    [[237, 160, 128], '\ufffd\ufffd\ufffd'],
    [[244, 144, 128, 128], '\ufffd\ufffd\ufffd\ufffd'],
    [[240, 159, 152], '\ufffd'],
    [[195, 169, 195], '\u00e9\ufffd'],
    [[192, 175], '\ufffd\ufffd'],
    [[240, 159, 152, 128, 120], '\ud83d\ude00x'],
    [[0xef, 0xbb, 0xbf, 97], '\ufeffa'], // Python's 'utf-8' keeps a BOM (TextDecoder drops it unless ignoreBOM)
    [[0xf8, 0x88, 0x80, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd\ufffd'],
    [[0xed, 0xbf, 0xbf], '\ufffd\ufffd\ufffd'],
  ];
  for (const [bytes, expected] of MALFORMED) {
    it(`decodes malformed ${JSON.stringify(bytes)} like Python`, () => expect(utf8Decode(bytes)).toBe(expected));
  }

  it('decodes long inputs in chunks', () => {
    const text = 'x\u00e9'.repeat(20000);
    expect(utf8Decode(utf8Encode(text))).toBe(text);
  });
});

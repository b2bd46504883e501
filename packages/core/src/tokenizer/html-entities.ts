// HTML character-reference decoding with the semantics of Python's `html.unescape` (which CLIP
// applies twice to every prompt), plus the lookups ftfy's `unescape_html` step needs.
//
// Named references come from the `entities` package's WHATWG table (all 2,231 names, the
// legacy ones that need no semicolon included), decoded in its "legacy" mode: the longest
// name that matches wins, a name without `;` only when it is a legacy one, which is what
// Python's longest-prefix loop does. Numeric references are decoded here: Python removes
// non-characters and most control code points (`_invalid_codepoints`), where the HTML
// standard, and `entities`, keep them.

import { DecodingMode, EntityDecoder, htmlDecodeTree } from 'entities/decode';
import { WINDOWS_1252_C1 } from './windows-1252';

/**
 * The named reference at the start of `body` (the text after `&`): its text and how many
 * characters of `body` it used, or undefined when no name matches. `strict`: only a whole
 * `name;` counts.
 */
function decodeNamed(body: string, strict: boolean): { text: string; used: number } | undefined {
  const cps: number[] = [];
  let consumed = 0;
  const decoder = new EntityDecoder(htmlDecodeTree, (cp, n) => {
    cps.push(cp);
    consumed = n; // counts the '&'
  });
  decoder.startEntity(strict ? DecodingMode.Strict : DecodingMode.Legacy);
  if (decoder.write(body, 0) < 0) decoder.end();
  if (consumed === 0) return undefined;
  return { text: String.fromCodePoint(...cps), used: consumed - 1 };
}

/**
 * The text of the named character reference `&name;` (give the name without `&` and `;`), or
 * `undefined` when HTML has no such name. Names are case-sensitive.
 *
 * @example
 * namedCharacterReference('eacute'); // 'é'
 * namedCharacterReference('EACUTE'); // undefined
 */
export function namedCharacterReference(name: string): string | undefined {
  if (typeof name !== 'string' || name === '' || name.includes(';')) return undefined;
  const hit = decodeNamed(`${name};`, true);
  return hit && hit.used === name.length + 1 ? hit.text : undefined;
}

/** Code points that Python's `html.unescape` turns into the empty string. */
function isInvalidCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

/**
 * Decodes one numeric reference body (`#65`, `#x41`, with or without `;`) as HTML5 / Python do:
 * 0 and C1 values map through Windows-1252, surrogates and values above U+10FFFF become U+FFFD,
 * non-characters and most controls vanish.
 */
function decodeNumeric(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  const num = parseInt(digits, hex ? 16 : 10); // may exceed 2^53 or be Infinity: only compared
  if (num === 0) return '\ufffd';
  if (num === 0x0d) return '\r';
  if (num >= 0x80 && num <= 0x9f) return WINDOWS_1252_C1[num - 0x80];
  if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(num)) return '';
  return String.fromCodePoint(num);
}

const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function replaceCharref(match: string, body: string): string {
  if (body[0] === '#') return decodeNumeric(body);
  // The whole `name;`, else the longest legacy name that prefixes the body ("&notit;" -> "¬it;").
  const hit = decodeNamed(body, false);
  return hit ? hit.text + body.slice(hit.used) : match;
}

/**
 * Replaces HTML character references in `text` like Python's `html.unescape`: named references
 * (`&amp;`, `&eacute;`, legacy ones without `;` such as `&amp` or `&copy2024`), decimal `&#39;`
 * and hexadecimal `&#x27;` references, with the HTML5 rules for invalid numbers.
 *
 * @example
 * unescapeHtml('Tom &amp; Jerry &#39;95 &mdash; &#x263A;'); // "Tom & Jerry '95 — ☺"
 * unescapeHtml('&amp;lt;'); // '&lt;' (one level per call; CLIP calls it twice)
 */
export function unescapeHtml(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`unescapeHtml: text must be a string, got ${typeof text}`);
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, replaceCharref);
}

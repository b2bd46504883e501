// The part of ftfy's `fix_text` (ftfy 6, default settings) that can be reproduced without its
// mojibake detector: CLIP runs every prompt through ftfy before anything else. Steps, in ftfy's
// order, repeated until the text stops changing:
//   unescape_html (only while no '<' has been seen, semicolon-terminated references only),
//   fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes, fix_line_breaks,
//   fix_surrogates, remove_terminal_escapes, remove_control_chars, NFC normalisation.
// Not reproduced: fix_encoding (re-decoding mojibake such as "cafÃ©"), which needs ftfy's
// statistical "badness" model. Prompts written by people rarely contain mojibake.

import { namedCharacterReference, unescapeHtml } from './html-entities';
import { WINDOWS_1252_C1 } from './windows-1252';

const FTFY_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;
const C1_RE = /[\x80-\x9f]/g;
const LIGATURE_RE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;
const WIDTH_RE = /[\u3000\uff01-\uffef]/g;
const SINGLE_QUOTE_RE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTE_RE = /[\u201c-\u201f]/g;
const LINE_BREAK_RE = /\r\n|[\r\u2028\u2029\u0085]/g;
const SURROGATE_RE = /[\ud800-\udfff]/;
const ANSI_RE = /\x1b\[[\p{Nd};]*[a-zA-Z]/gu;
const CONTROL_RE = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const MAX_ROUNDS = 64;
/** Printable ASCII, tab and newline, without '&': every step leaves such text unchanged. */
const PLAIN_ASCII_RE = /^[\t\n\x20-\x25\x27-\x7e]*$/;

const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn',
  '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz',
  '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e',
  '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj',
  '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj',
  '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi', '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st',
};

/** Replaces unpaired UTF-16 surrogates by U+FFFD (ftfy's fix_surrogates). */
function fixSurrogates(text: string): string {
  if (!SURROGATE_RE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : text[i];
  }
  return out;
}

/** ftfy's entity step: known names, all-caps forms of lower-case names, numeric references. */
function ftfyEntity(match: string): string {
  const name = match.slice(1, -1);
  if (name[0] === '#') {
    const decoded = unescapeHtml(match);
    return decoded.includes(';') ? match : decoded;
  }
  const exact = namedCharacterReference(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  if (name === name.toUpperCase() && lower !== name && unescapeHtml(match) === match) {
    const hit = namedCharacterReference(lower);
    if (hit !== undefined) return hit.toUpperCase();
  }
  return match;
}

function fixSegment(segment: string, unescape: boolean): string {
  let text = segment;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = text;
    if (unescape && text.includes('&')) text = text.replace(FTFY_ENTITY_RE, ftfyEntity);
    text = text
      .replace(C1_RE, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80])
      .replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c)
      .replace(WIDTH_RE, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')))
      .replace(DOUBLE_QUOTE_RE, '"')
      .replace(SINGLE_QUOTE_RE, "'")
      .replace(LINE_BREAK_RE, '\n');
    text = fixSurrogates(text)
      .replace(ANSI_RE, '')
      .replace(CONTROL_RE, '')
      .normalize('NFC');
    if (text === before) break;
  }
  return text;
}

/**
 * Applies ftfy's default character fixes (everything but mojibake repair; see the file header).
 * Text is processed line by line; HTML references are decoded only until a line containing '<'
 * is met, as ftfy does.
 *
 * @example
 * fixText('\ufb01sh \u201cquoted\u201d it\u2019s \uff21\uff22'); // 'fish "quoted" it\'s AB'
 * fixText('P&EACUTE;REZ &amp; co'); // 'PÉREZ & co'
 */
export function fixText(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`fixText: text must be a string, got ${typeof text}`);
  if (PLAIN_ASCII_RE.test(text)) return text; // nothing any step would change
  let unescape = true;
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const segment = text.slice(pos, end);
    if (unescape && segment.includes('<')) unescape = false;
    out += fixSegment(segment, unescape);
    pos = end;
  }
  return out;
}

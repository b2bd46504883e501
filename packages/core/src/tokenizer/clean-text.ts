// CLIP's prompt cleaning: `whitespace_clean(basic_clean(text)).lower()` where basic_clean is
// ftfy.fix_text, then html.unescape twice, then strip.

import { fixText } from './fix-text';
import { unescapeHtml } from './html-entities';

/** Characters Python's `str.isspace()` (and `re`'s `\s`) accept. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RUN_RE = new RegExp(`[${PY_SPACE}]+`, 'g');
const EDGE_SPACE_RE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Python's `str.strip()` with no argument. */
function pyStrip(text: string): string {
  return text.replace(EDGE_SPACE_RE, '');
}

/**
 * CLIP's `basic_clean`: ftfy fixes ({@link fixText}), HTML references decoded twice, stripped.
 *
 * @example
 * basicClean('  caf&amp;eacute; '); // 'café'
 */
export function basicClean(text: string): string {
  return pyStrip(unescapeHtml(unescapeHtml(fixText(text))));
}

/**
 * CLIP's `whitespace_clean`: every run of whitespace becomes one space, ends stripped.
 *
 * @example
 * whitespaceClean(' a \t\n b  '); // 'a b'
 */
export function whitespaceClean(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`whitespaceClean: text must be a string, got ${typeof text}`);
  return pyStrip(text.replace(SPACE_RUN_RE, ' '));
}

/**
 * The full text normalisation CLIP applies before tokenizing: {@link basicClean}, then
 * {@link whitespaceClean}, then lower case.
 *
 * @example
 * cleanText('a photo of the  Screw   With FLAW!'); // 'a photo of the screw with flaw!'
 */
export function cleanText(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`cleanText: text must be a string, got ${typeof text}`);
  return whitespaceClean(basicClean(text)).toLowerCase();
}

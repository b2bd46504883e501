import { describe, expect, it } from 'vitest';
import { namedCharacterReference, unescapeHtml } from './html-entities';
import reference from './python-html-unescape.test-data.json';

// python-html-unescape.test-data.json was written by CPython 3.11's html module: `names` is
// html.entities.html5 (the semicolon forms, 2,125 names; with the 106 legacy forms, 2,231
// entries), `cases` are [input, html.unescape(input)] for every legacy name with and without
// a following name character, non-legacy names without their semicolon, and numeric references
// at every boundary Python treats specially.
const ref = reference as unknown as { python: string; names: Record<string, string>; cases: [string, string][] };

describe('unescapeHtml against CPython html.unescape', () => {
  it('knows every HTML5 named reference, as `&name;` and through namedCharacterReference', () => {
    const names = Object.entries(ref.names);
    expect(names.length).toBe(2125);
    const wrong = names.filter(([name, value]) => namedCharacterReference(name) !== value || unescapeHtml(`&${name};`) !== value);
    expect(wrong.map(([n]) => n)).toEqual([]);
  });

  it('decodes legacy names, prefixes and numeric references exactly as Python', () => {
    expect(ref.cases.length).toBeGreaterThan(600);
    const wrong = ref.cases.filter(([input, expected]) => unescapeHtml(input) !== expected);
    expect(wrong).toEqual([]);
  });

  it('returns undefined for unknown, empty or semicolon-bearing names', () => {
    expect(namedCharacterReference('notaname')).toBeUndefined();
    expect(namedCharacterReference('')).toBeUndefined();
    expect(namedCharacterReference('amp;')).toBeUndefined();
    expect(namedCharacterReference('EACUTE')).toBeUndefined();
    expect(namedCharacterReference('not')).toBe('\u00ac');
  });
});

import { describe, expect, it } from 'vitest';
import { composePromptSentences, fillPlaceholder } from './compose';
import { AACLIP_PROMPT_SET } from './official-tables';
import { WINCLIP_PROMPT_SET } from './winclip-prompts';

describe('fillPlaceholder', () => {
  it('replaces the single {} literally', () => {
    expect(fillPlaceholder('a photo of {}.', 'x')).toBe('a photo of x.');
    expect(fillPlaceholder('{}', 'x')).toBe('x');
    // `$&` / `$'` would be special in String.prototype.replace; here they are kept as text
    expect(fillPlaceholder('a {} b', "$& and $' {}")).toBe("a $& and $' {} b");
  });

  it('rejects patterns without exactly one {}', () => {
    expect(() => fillPlaceholder('no slot', 'x')).toThrow(/"no slot" must contain exactly one '\{\}'/);
    expect(() => fillPlaceholder('{} {}', 'x')).toThrow(/"\{\} \{\}"/);
  });
});

describe('composePromptSentences', () => {
  it('expands state-major for "dark bottle" with the official set', () => {
    expect(composePromptSentences('dark bottle', AACLIP_PROMPT_SET)).toEqual({
      normal: [
        'dark bottle.',
        'a photo of dark bottle.',
        'a dark bottle.',
        'a photo of a dark bottle.',
        'the dark bottle.',
        'a photo of the dark bottle.',
      ],
      abnormal: [
        'a damaged dark bottle.',
        'a photo of a damaged dark bottle.',
        'a broken dark bottle.',
        'a photo of a broken dark bottle.',
        'a dark bottle with flaw.',
        'a photo of a dark bottle with flaw.',
        'a dark bottle with defect.',
        'a photo of a dark bottle with defect.',
        'a dark bottle with damage.',
        'a photo of a dark bottle with damage.',
      ],
    });
  });

  it('expands the WinCLIP set to 7 x 22 normal and 4 x 22 abnormal sentences', () => {
    expect(WINCLIP_PROMPT_SET.normalStates).toHaveLength(7);
    expect(WINCLIP_PROMPT_SET.abnormalStates).toHaveLength(4);
    expect(WINCLIP_PROMPT_SET.templates).toHaveLength(22);
    expect(new Set(WINCLIP_PROMPT_SET.templates).size).toBe(22);
    const s = composePromptSentences('bottle', WINCLIP_PROMPT_SET);
    expect(s.normal).toHaveLength(154);
    expect(s.abnormal).toHaveLength(88);
    expect(s.normal[0]).toBe('a cropped photo of the bottle.');
    expect(s.normal[21]).toBe('a photo of a bottle for anomaly detection.');
    expect(s.normal[22]).toBe('a cropped photo of the flawless bottle.');
    expect(s.normal[153]).toBe('a photo of a bottle without damage for anomaly detection.');
    expect(s.abnormal[0]).toBe('a cropped photo of the damaged bottle.');
    expect(s.abnormal[22]).toBe('a cropped photo of the bottle with flaw.');
    expect(s.abnormal[87]).toBe('a photo of a bottle with damage for anomaly detection.');
  });

  it('validates its inputs', () => {
    expect(() => composePromptSentences('', AACLIP_PROMPT_SET)).toThrow(/realName must be a non-empty string, got ""/);
    expect(() =>
      composePromptSentences('x', { normalStates: ['{}'], abnormalStates: [], templates: ['{}.'] }),
    ).toThrow(/"abnormalStates" must not be empty/);
  });
});

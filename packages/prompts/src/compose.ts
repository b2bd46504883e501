import type { PromptSentences, PromptSet } from './types';
import { PLACEHOLDER, countPlaceholders, requireName, validatePromptSet } from './validate';

/**
 * Replaces the single `{}` of `pattern` by `value`, literally (no `$` patterns, no format
 * escapes: unlike Python's `str.format`, `{{` is not special).
 *
 * @example
 * fillPlaceholder('a photo of {}.', 'a damaged dark bottle'); // 'a photo of a damaged dark bottle.'
 */
export function fillPlaceholder(pattern: string, value: string): string {
  if (typeof pattern !== 'string' || countPlaceholders(pattern) !== 1) {
    throw new RangeError(`fillPlaceholder: pattern ${JSON.stringify(pattern)} must contain exactly one '{}'`);
  }
  if (typeof value !== 'string') throw new TypeError(`fillPlaceholder: value must be a string, got ${typeof value}`);
  const at = pattern.indexOf(PLACEHOLDER);
  return pattern.slice(0, at) + value + pattern.slice(at + PLACEHOLDER.length);
}

function expand(states: readonly string[], templates: readonly string[], realName: string): string[] {
  const out: string[] = [];
  for (const state of states) {
    const phrase = fillPlaceholder(state, realName);
    for (const template of templates) out.push(fillPlaceholder(template, phrase));
  }
  return out;
}

/**
 * Expands a prompt set for one real (descriptive) class name, as the official AA-CLIP code does.
 *
 * Order is **state-major**: for each state `s` (in list order), for each template `t` (in list
 * order), the sentence is `t.replace('{}', s.replace('{}', realName))`. So `normal` has
 * `normalStates.length * templates.length` sentences, `abnormal` likewise.
 *
 * @example
 * composePromptSentences('dark bottle', AACLIP_PROMPT_SET).normal.slice(0, 3);
 * // ['dark bottle.', 'a photo of dark bottle.', 'a dark bottle.']
 */
export function composePromptSentences(realName: string, promptSet: PromptSet): PromptSentences {
  requireName(realName, 'composePromptSentences: realName');
  const set = validatePromptSet(promptSet, `composePromptSentences: prompt set ${JSON.stringify(promptSet?.name ?? '(inline)')}`);
  return {
    normal: expand(set.normalStates, set.templates, realName),
    abnormal: expand(set.abnormalStates, set.templates, realName),
  };
}

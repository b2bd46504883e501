import { describe, expect, it } from 'vitest';
import { countPlaceholders, normalizeDomain, validateDataset, validatePromptSet } from './validate';

const good = { normalStates: ['{}'], abnormalStates: ['broken {}'], templates: ['a photo of {}.'] };

describe('validatePromptSet', () => {
  it('returns a frozen copy of a valid set', () => {
    const v = validatePromptSet({ ...good, name: 'g' }, 'g');
    expect(v).toEqual({ ...good, name: 'g' });
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.templates)).toBe(true);
  });

  it('counts placeholders', () => {
    expect(countPlaceholders('a {} with {}')).toBe(2);
    expect(countPlaceholders('none')).toBe(0);
    expect(countPlaceholders('{}')).toBe(1);
  });

  it('rejects states/templates without exactly one {} and names the key, index and value', () => {
    expect(() => validatePromptSet({ ...good, templates: ['{}.', 'a photo.'] }, 'mine')).toThrow(
      `mine: templates[1] = "a photo." must contain exactly one '{}', found 0`,
    );
    expect(() => validatePromptSet({ ...good, normalStates: ['{} and {}'] }, 'mine')).toThrow(
      `mine: normalStates[0] = "{} and {}" must contain exactly one '{}', found 2`,
    );
    expect(() => validatePromptSet({ ...good, abnormalStates: ['{}', 'damaged'] }, 'mine')).toThrow(
      `mine: abnormalStates[1] = "damaged" must contain exactly one '{}', found 0`,
    );
  });

  it('rejects empty lists, non-arrays, non-strings and non-objects', () => {
    expect(() => validatePromptSet({ ...good, normalStates: [] }, 'm')).toThrow('m: "normalStates" must not be empty');
    expect(() => validatePromptSet({ ...good, templates: 'a {}' }, 'm')).toThrow(
      'm: "templates" must be an array of strings, got "a {}"',
    );
    expect(() => validatePromptSet({ ...good, templates: ['{}', 3] }, 'm')).toThrow(
      'm: templates[1] must be a string, got number',
    );
    expect(() => validatePromptSet({ normalStates: ['{}'], abnormalStates: ['{}'] }, 'm')).toThrow(
      'm: "templates" must be an array of strings, got undefined',
    );
    expect(() => validatePromptSet(null, 'm')).toThrow(/m: expected an object .* got null/);
    expect(() => validatePromptSet({ ...good, name: 5 }, 'm')).toThrow('m: "name" must be a string when given, got number');
  });
});

describe('validateDataset / normalizeDomain', () => {
  it('accepts the official capitalised domains', () => {
    expect(normalizeDomain('Industrial')).toBe('industrial');
    expect(normalizeDomain('MEDICAL')).toBe('medical');
    expect(() => normalizeDomain('satellite', 'x: domain')).toThrow(`x: domain must be 'industrial' or 'medical', got "satellite"`);
  });

  it('keeps record insertion order and rejects bad tables', () => {
    const d = validateDataset({ name: 'd', domain: 'medical', classes: { b: 'bee', a: 'ay' } });
    expect(d.classes).toEqual([
      { name: 'b', realName: 'bee' },
      { name: 'a', realName: 'ay' },
    ]);
    expect(() => validateDataset({ name: 'd', domain: 'medical', classes: {} })).toThrow('dataset "d": classes must not be empty');
    expect(() => validateDataset({ name: 'd', domain: 'medical', classes: { a: '' } })).toThrow(
      'dataset "d": class "a" realName must be a non-empty string, got ""',
    );
    expect(() =>
      validateDataset({ name: 'd', domain: 'medical', classes: [{ name: 'a', realName: 'x' }, { name: 'a', realName: 'y' }] }),
    ).toThrow('dataset "d": duplicate class "a"');
    expect(() => validateDataset({ name: '', domain: 'medical', classes: { a: 'x' } })).toThrow(
      'dataset name must be a non-empty string, got ""',
    );
  });
});

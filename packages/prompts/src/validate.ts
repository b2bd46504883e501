import type { ClassEntry, DatasetDefinition, DatasetInput, Domain, PromptSet } from './types';

/** The placeholder every state and template must contain exactly once. */
export const PLACEHOLDER = '{}';

/**
 * Number of non-overlapping `{}` occurrences in `text`.
 *
 * @example
 * countPlaceholders('a {} with {}'); // 2
 */
export function countPlaceholders(text: string): number {
  return text.split(PLACEHOLDER).length - 1;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}

function validatePatternList(value: unknown, key: keyof PromptSet, label: string): readonly string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${label}: "${key}" must be an array of strings, got ${describe(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${label}: "${key}" must not be empty`);
  const out: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      throw new TypeError(`${label}: ${key}[${i}] must be a string, got ${describe(item)}`);
    }
    const n = countPlaceholders(item);
    if (n !== 1) {
      throw new RangeError(
        `${label}: ${key}[${i}] = ${JSON.stringify(item)} must contain exactly one '{}', found ${n}`,
      );
    }
    out.push(item);
  });
  return Object.freeze(out);
}

/**
 * Checks a prompt set and returns a frozen copy: `normalStates`, `abnormalStates` and `templates`
 * must be non-empty arrays of strings, each containing exactly one `{}`.
 * Errors name `label`, the key, the index and the offending value.
 *
 * @example
 * validatePromptSet({ normalStates: ['{}'], abnormalStates: ['broken {}'], templates: ['a photo of {}.'] }, 'mine');
 */
export function validatePromptSet(input: unknown, label = 'prompt set'): PromptSet {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(
      `${label}: expected an object { normalStates, abnormalStates, templates }, got ${describe(input)}`,
    );
  }
  const raw = input as Record<string, unknown>;
  const name = raw['name'];
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(`${label}: "name" must be a string when given, got ${describe(name)}`);
  }
  const set: PromptSet = {
    ...(name !== undefined ? { name } : {}),
    normalStates: validatePatternList(raw['normalStates'], 'normalStates', label),
    abnormalStates: validatePatternList(raw['abnormalStates'], 'abnormalStates', label),
    templates: validatePatternList(raw['templates'], 'templates', label),
  };
  return Object.freeze(set);
}

/** Throws unless `value` is a non-empty string; `what` names the argument in the message. */
export function requireName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${what} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/**
 * Normalises a domain (`'industrial'` / `'medical'`, case-insensitive, so the official
 * `'Industrial'` / `'Medical'` spellings are accepted).
 *
 * @example
 * normalizeDomain('Medical'); // 'medical'
 */
export function normalizeDomain(value: unknown, what = 'domain'): Domain {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'industrial' || lower === 'medical') return lower;
  }
  throw new TypeError(`${what} must be 'industrial' or 'medical', got ${describe(value)}`);
}

/** Checks a dataset definition and returns a frozen, normalised copy (classes as an ordered list). */
export function validateDataset(input: DatasetInput): DatasetDefinition {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError(`dataset: expected an object { name, domain, classes }, got ${describe(input)}`);
  }
  const name = requireName(input.name, 'dataset name');
  const label = `dataset ${JSON.stringify(name)}`;
  const domain = normalizeDomain(input.domain, `${label}: domain`);
  const rawClasses: unknown = input.classes;
  let entries: [unknown, unknown][];
  if (Array.isArray(rawClasses)) {
    entries = rawClasses.map((c: unknown, i) => {
      if (typeof c !== 'object' || c === null) {
        throw new TypeError(`${label}: classes[${i}] must be { name, realName }, got ${describe(c)}`);
      }
      const e = c as Record<string, unknown>;
      return [e['name'], e['realName']];
    });
  } else if (typeof rawClasses === 'object' && rawClasses !== null) {
    entries = Object.entries(rawClasses);
  } else {
    throw new TypeError(`${label}: classes must be an array or a record, got ${describe(rawClasses)}`);
  }
  if (entries.length === 0) throw new RangeError(`${label}: classes must not be empty`);
  const seen = new Set<string>();
  const classes: ClassEntry[] = entries.map(([cn, rn], i) => {
    const className = requireName(cn, `${label}: classes[${i}].name`);
    const realName = requireName(rn, `${label}: class ${JSON.stringify(className)} realName`);
    if (seen.has(className)) throw new RangeError(`${label}: duplicate class ${JSON.stringify(className)}`);
    seen.add(className);
    return Object.freeze({ name: className, realName });
  });
  return Object.freeze({ name, domain, classes: Object.freeze(classes) });
}

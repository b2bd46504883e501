// Command-line parsing for the `aaclip` verbs and the parity tool, on node:util's parseArgs.
// parseArgs runs with strict: false and its tokens are checked here, because strict mode
// rejects option values that start with '-' ("--workers -1" would be an "ambiguous
// argument" instead of "--workers must be an integer from 1 to N"), and its own messages are
// several sentences long. Internal to the package (not exported as API).
import { parseArgs } from 'node:util';

/** Option kinds: a string, a boolean flag, or a list (repeated, or comma-separated). */
export type OptionKind = 'string' | 'boolean' | 'list';

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** A usage error (exit code 2) from parsing; the message is one line and names the option. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * File lists that may also be written the old way, several files after one flag
 * (`--adapters text_adapter.pth image_adapter_20.pth`): the words right after the flag's value
 * join the list while they have these extensions. An image (`--adapters x.pth img.png`) ends
 * the list and stays a positional.
 */
const LIST_FOLLOWERS: Record<string, RegExp> = {
  adapters: /\.(pth|pt|bin|safetensors)$/i,
  vocab: /\.(gz|json|txt)$/i,
};

/** A value for an error message: quoted, escaped, at most 40 characters. */
export function showValue(v: string): string {
  const s = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return s;
}

/**
 * Parses argv against `spec`: `--name value`, `--name=value`, boolean `--flag`, list options
 * (`--adapters a.pth --adapters b.pth`, `--adapters a.pth,b.pth` (a value naming an existing
 * file that has a comma stays one, when `isFile` says so), or see LIST_FOLLOWERS), `-h` for
 * help. Unknown options, missing values, values given to boolean flags and single-value options
 * given twice are {@link UsageError}s naming the option; so is any positional when
 * `positionals: false`.
 */
export function parseCliArgs(argv: readonly string[], spec: Record<string, OptionKind>, opts: { isFile?: (p: string) => boolean; positionals?: boolean } = {}): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, kind] of Object.entries(spec)) options[name] = { type: kind === 'boolean' ? 'boolean' : 'string', ...(kind === 'list' || kind === 'string' ? { multiple: true } : {}) };
  if (options.help) options.help.short = 'h';
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  let lastList: { name: string; index: number } | null = null;
  for (const t of parsed.tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (lastList && t.index === lastList.index + 1 && LIST_FOLLOWERS[lastList.name]?.test(t.value)) {
        (values[lastList.name] as string[]).push(t.value);
        lastList.index = t.index;
        continue;
      }
      lastList = null;
      if (opts.positionals === false) throw new UsageError(`unexpected argument ${showValue(t.value)}`);
      positionals.push(t.value);
      continue;
    }
    const name = t.name;
    const shown = t.rawName.startsWith('--') ? `--${name}` : t.rawName;
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (!kind) throw new UsageError(`unknown option ${showValue(shown).slice(1, -1)}`);
    lastList = null;
    if (kind === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`option --${name} takes no value`);
      values[name] = true;
      continue;
    }
    const v = t.value;
    if (v === undefined || (!t.inlineValue && v.startsWith('--') && v.length > 2)) throw new UsageError(`option --${name} needs a value`);
    if (kind === 'string') {
      if (values[name] !== undefined) throw new UsageError(`option --${name} is given twice`);
      values[name] = v;
    } else {
      const list = (values[name] as string[] | undefined) ?? [];
      const parts = v.includes(',') && !(opts.isFile?.(v) ?? false) ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v];
      if (parts.length === 0) throw new UsageError(`option --${name} needs a value`);
      list.push(...parts);
      values[name] = list;
      lastList = { name, index: t.index + (t.inlineValue ? 0 : 1) };
    }
  }
  return { values, positionals };
}

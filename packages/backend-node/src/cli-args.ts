/** Option kinds: a string, a boolean flag, or a list that takes every following non-option word. */
export type OptionKind = 'string' | 'boolean' | 'list';

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * A small argv parser: `--name value`, `--name=value`, boolean `--flag`, and list options
 * (`--adapters a.pth b.pth`) that take the following words up to the next `--option`.
 * Unknown options are errors naming the option.
 */
export function parseCliArgs(argv: readonly string[], spec: Record<string, OptionKind>, short: Record<string, string> = {}): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (/^-[a-zA-Z]$/.test(arg) && short[arg.slice(1)]) arg = `--${short[arg.slice(1)]}`;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new Error(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new Error(`option --${name} takes no value`);
      values[name] = true;
    } else if (kind === 'string') {
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new Error(`option --${name} needs a value`);
      values[name] = v;
    } else {
      const list = (values[name] as string[] | undefined) ?? [];
      if (eq >= 0) list.push(arg.slice(eq + 1));
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) list.push(argv[++i]!);
      if (list.length === 0) throw new Error(`option --${name} needs at least one value`);
      values[name] = list;
    }
  }
  return { values, positionals };
}

// Model references on the command line: every verb takes `--model hf:owner/name` (or an alias,
// an https:// URL), `--adapters hf:user/repo`, `--vocab hf:...`, and `aaclip convert` its
// weights as one. They are downloaded into the Hub cache (a progress bar on stderr) and the
// arguments rewritten to the cached files before the verb parses them, so each verb sees paths.
// A model repository also brings its tokenizer (--vocab) and a bundle its adapters, unless given.
import { ModelRefError } from '@aaclip/core';
import { UsageError } from '../cli-args';
import { settingsWithProgress } from '@aaclip/backend-node/tools';
import type { HubOptions } from '@aaclip/backend-node';
import { isRemoteReference, resolveAdapterRefs, resolveModelRef, resolveVocabRefs } from '@aaclip/backend-node/tools';

/** Verbs whose flags accept references, and which of --adapters / --vocab each takes. */
const VERB_FLAGS: Record<string, { adapters: boolean; vocab: boolean; positionalModel: boolean }> = {
  detect: { adapters: true, vocab: true, positionalModel: false },
  eval: { adapters: true, vocab: true, positionalModel: false },
  calibrate: { adapters: true, vocab: true, positionalModel: false },
  train: { adapters: false, vocab: true, positionalModel: false },
  convert: { adapters: true, vocab: true, positionalModel: true },
  demo: { adapters: false, vocab: false, positionalModel: false },
  serve: { adapters: true, vocab: true, positionalModel: false },
  worker: { adapters: true, vocab: true, positionalModel: false },
};

type Role = 'model' | 'adapters' | 'vocab';

/** A cheap test, without imports, for argv that may hold a reference (cli.ts loads this module only then). */
export function mayHoldReference(argv: readonly string[]): boolean {
  return argv.some((a) => /^(?:--[a-z-]+=)?(?:hf:|https?:\/\/|ViT-)/.test(a));
}

/** Runs `f`, turning a malformed reference into a usage error. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelRefError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * `argv` (after the verb) with references replaced by cached files. Malformed references are
 * usage errors (exit 2) showing the accepted forms.
 */
export async function resolveCliReferences(verb: string, argv: readonly string[], hub: HubOptions = {}): Promise<string[]> {
  const spec = VERB_FLAGS[verb];
  if (!spec || argv.includes('--help') || argv.includes('-h')) return [...argv];
  const s = settingsWithProgress(hub);
  const out: string[] = [];
  const given = { adapters: argv.some((a) => a === '--adapters' || a.startsWith('--adapters=')), vocab: argv.some((a) => a === '--vocab' || a.startsWith('--vocab=')) };
  const implied: { adapters?: string[]; vocab?: string[] } = {};
  let positionalSeen = false;
  const resolve = async (role: Role, value: string): Promise<string[]> => {
    const parts = role === 'model' ? [value] : value.split(',');
    if (!parts.some((p) => asUsage(() => isRemoteReference(p)))) return [value];
    try {
      if (role === 'model') {
        const r = await resolveModelRef(value, s, 0, spec.adapters && !given.adapters);
        if (r.vocab && spec.vocab && !given.vocab) implied.vocab = r.vocab;
        if (r.adapters && spec.adapters && !given.adapters) implied.adapters = r.adapters;
        return [r.model];
      }
      return role === 'adapters' ? (await resolveAdapterRefs(parts, s)).files : await resolveVocabRefs(parts, s);
    } catch (e) {
      if (e instanceof ModelRefError) throw new UsageError(e.message);
      throw e;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = /^--(model|adapters|vocab)=(.*)$/.exec(a);
    const flag = /^--(model|adapters|vocab)$/.exec(a);
    if (eq) {
      const files = await resolve(eq[1] as Role, eq[2]!);
      for (const f of files) out.push(`--${eq[1]}=${f}`);
    } else if (flag && i + 1 < argv.length) {
      const role = flag[1] as Role;
      const files = await resolve(role, argv[++i]!);
      for (const f of files) out.push(`--${role}`, f);
      // the old list form: more files after the value (`--adapters a.pth hf:u/r/b.pth`)
      while (role !== 'model' && i + 1 < argv.length && argv[i + 1]!.startsWith('hf:')) for (const f of await resolve(role, argv[++i]!)) out.push(`--${role}`, f);
    } else if (/^--(card|training-data|out)$/.test(a) && i + 1 < argv.length) {
      out.push(a, argv[++i]!); // values that are references or paths but not inputs (convert --card BASE)
    } else if (spec.positionalModel && !positionalSeen && !a.startsWith('-') && asUsage(() => isRemoteReference(a))) {
      positionalSeen = true;
      out.push(...(await resolve('model', a)));
    } else out.push(a);
  }
  for (const f of implied.adapters ?? []) out.push('--adapters', f);
  for (const f of implied.vocab ?? []) out.push('--vocab', f);
  return out;
}

// One output-naming rule for the CLI: names derived from inputs are bounded in length, distinct
// for distinct inputs, never an input's path, and never replace an earlier output without
// --force (or --resume, for outputs the earlier run recorded).
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { UsageError } from '../cli-args';

/** Longest file-name stem the CLI derives from an input, in UTF-8 bytes (file systems allow 255). */
export const MAX_STEM_BYTES = 120;

/** A short stable hash of a string (hex). */
export function shortHash(s: string, chars = 10): string {
  return createHash('sha256').update(s).digest('hex').slice(0, chars);
}

/**
 * `name` as a file-name stem: path separators and control characters replaced, and cut to
 * MAX_STEM_BYTES UTF-8 bytes with a hash of the whole name appended when it is longer, so that
 * a long or non-ASCII class name (33 CJK characters are 99 bytes) never ends in ENAMETOOLONG.
 */
export function safeStem(name: string, maxBytes = MAX_STEM_BYTES): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[/\\\x00-\x1f\x7f]/g, '_').replace(/^\.+/, '_');
  if (Buffer.byteLength(clean) <= maxBytes && clean.length > 0) return clean;
  let out = '';
  for (const ch of clean) {
    if (Buffer.byteLength(out + ch) > maxBytes - 11) break;
    out += ch;
  }
  return `${out}-${shortHash(name)}`;
}

/** The real path of an existing file, else its absolute path. */
export function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

export interface PlannedOutput {
  /** The input as given. */
  input: string;
  /** Its canonical path (what scores.json records). */
  image: string;
  /** The output file. */
  output: string;
}

/**
 * Plans one output per distinct input in `outDir`: `<stem><suffix>`, or
 * `<stem>.<hash of the input's path><suffix>` when several inputs share a stem (`a/x.png` and
 * `b/x.png`, `ok.png` and `ok.jpg`; compared case-insensitively). The same file given twice is
 * planned once (`duplicates` lists the repeats). An output that is one of the inputs is a usage
 * error, with or without --force.
 */
export function planOutputs(inputs: readonly string[], outDir: string, suffix: string): { planned: PlannedOutput[]; duplicates: string[] } {
  const seen = new Set<string>();
  const distinct: { input: string; image: string; stem: string }[] = [];
  const duplicates: string[] = [];
  for (const input of inputs) {
    const image = canonical(input);
    if (seen.has(image)) {
      duplicates.push(input);
      continue;
    }
    seen.add(image);
    distinct.push({ input, image, stem: safeStem(basename(input, extname(input))) });
  }
  const count = new Map<string, number>();
  for (const d of distinct) count.set(d.stem.toLowerCase(), (count.get(d.stem.toLowerCase()) ?? 0) + 1);
  const planned = distinct.map((d) => ({
    input: d.input,
    image: d.image,
    output: join(outDir, count.get(d.stem.toLowerCase())! > 1 ? `${d.stem}.${shortHash(d.image, 8)}${suffix}` : `${d.stem}${suffix}`),
  }));
  const outputs = new Set(planned.map((p) => canonical(p.output)));
  for (const p of planned) {
    if (outputs.has(p.image)) {
      const clash = planned.find((q) => canonical(q.output) === p.image)!;
      throw new UsageError(`the output for ${clash.input} would replace the input ${p.input}; choose another --out`);
    }
  }
  return { planned, duplicates };
}

/** Identity of a file for a settings fingerprint: absolute path, size and modification time. */
export function fileIdentity(p: string): string {
  try {
    const st = statSync(p);
    return `${canonical(p)}:${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return resolve(p);
  }
}

/** Settings that decide a result; stored with partial results and compared on --resume. */
export type Settings = Record<string, string | number | boolean | null>;

/** A fingerprint of settings (hash of their sorted JSON). */
export function fingerprint(s: Settings): string {
  return shortHash(JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]])), 16);
}

/** The settings that differ between an earlier run and this one, for the error message. */
export function settingsDiff(before: Settings, now: Settings): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' && v.length > 60 ? `${v.slice(0, 57)}...` : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k} was ${show(before[k])}, now ${show(now[k])}`)
    .join('; ');
}

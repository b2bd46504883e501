// `aaclip cache ls|rm|verify`: what the Hub cache holds (shared with Python's huggingface_hub),
// removing a repository or one revision of it, and checking every blob against its hash.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatHubReference, parseModelRef } from '@aaclip/core';
import { UsageError } from '../cli-args';
import { hubCacheDir, scanCache, type CachedRepo } from '@aaclip/backend-node';
import { digestOfEtag, formatBytes, hashFile, repoFolderName, scanRepo, stampVerified } from '@aaclip/backend-node/tools';

export const CACHE_HELP = `usage: aaclip cache ls [--json]
       aaclip cache rm <repository>[@revision] [--dry-run]
       aaclip cache verify [<repository>] [--json]

The cache of models downloaded by name (hf:owner/name, aliases such as ViT-L-14-336), in the
layout of Python's huggingface_hub and shared with it: $AACLIP_CACHE, else $HF_HUB_CACHE, else
$HF_HOME/hub, else ~/.cache/huggingface/hub.

  ls        each repository: revisions, files, size on disk
  rm        remove a repository, or one revision (its snapshot, its ref, and the blobs no
            other revision uses); --dry-run lists what would go
  verify    hash every blob (sha256 for LFS files, git sha1 for others) and check that each
            snapshot file has its blob; exits 1 on any mismatch

A repository is owner/name or hf:owner/name (an alias works too).
options: --cache DIR (instead of the environment), --json (machine-readable, ls and verify)`;

interface CacheFlags {
  json: boolean;
  dryRun: boolean;
  cache: string | undefined;
  help: boolean;
}

function parse(argv: string[]): { sub: string | undefined; rest: string[]; flags: CacheFlags } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, cache: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (aaclip cache --help)`);
  }
  const [sub, ...rest] = parsed.positionals;
  const v = parsed.values;
  return { sub, rest, flags: { json: Boolean(v.json), dryRun: Boolean(v['dry-run']), cache: v.cache, help: Boolean(v.help) } };
}

/** `owner/name[@revision]`, `hf:owner/name[@revision]` or an alias. */
function repoArg(arg: string): { repo: string; revision?: string } {
  const ref = parseModelRef(arg.startsWith('hf:') || !arg.includes('/') ? arg : `hf:${arg}`);
  if (ref.kind !== 'hf') throw new UsageError(`"${arg}" is not a repository (owner/name or hf:owner/name)`);
  if (ref.file) throw new UsageError(`"${arg}" names a file; give the repository (${formatHubReference({ ...ref, file: undefined })})`);
  return { repo: ref.repo, ...(arg.includes('@') ? { revision: ref.revision } : {}) };
}

function ls(cacheDir: string, flags: CacheFlags): number {
  const repos = scanCache(cacheDir);
  if (flags.json) {
    console.log(JSON.stringify({ cacheDir, repos: repos.map((r) => ({ repo: r.repo, refs: r.refs, snapshots: r.snapshots, sizeOnDisk: r.sizeOnDisk, incompleteBytes: r.incompleteBytes, lastModified: new Date(r.lastModified).toISOString() })) }, null, 2));
    return 0;
  }
  if (!repos.length) {
    console.log(`no models in ${cacheDir}`);
    return 0;
  }
  const rows = repos.map((r) => {
    const revs = Object.entries(r.refs).map(([name, c]) => `${name}@${c.slice(0, 8)}`);
    const unnamed = Object.keys(r.snapshots).filter((c) => !Object.values(r.refs).includes(c)).map((c) => c.slice(0, 8));
    const files = new Set(Object.values(r.snapshots).flatMap((fs) => fs.map((f) => f.file)));
    return [r.repo, [...revs, ...unnamed].join(' ') || '-', String(files.size), formatBytes(r.sizeOnDisk) + (r.incompleteBytes ? ` (${formatBytes(r.incompleteBytes)} unfinished)` : '')];
  });
  const head = ['REPOSITORY', 'REVISIONS', 'FILES', 'SIZE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
  console.log(`${repos.length} repositories, ${formatBytes(repos.reduce((a, r) => a + r.sizeOnDisk, 0))} in ${cacheDir}`);
  return 0;
}

async function remove(cacheDir: string, args: string[], flags: CacheFlags): Promise<number> {
  if (args.length !== 1) throw new UsageError('aaclip cache rm takes one repository (owner/name[@revision])');
  const { repo, revision } = repoArg(args[0]!);
  const r = scanRepo(cacheDir, repoFolderName(repo));
  if (!r || !Object.keys(r.blobs).length && !Object.keys(r.snapshots).length && !Object.keys(r.refs).length) {
    console.error(`aaclip cache: ${repo} is not in ${cacheDir}`);
    return 1;
  }
  const say = (m: string): void => console.log(flags.dryRun ? `would remove ${m}` : `removed ${m}`);
  if (revision === undefined) {
    if (!flags.dryRun) {
      await rm(r.dir, { recursive: true, force: true });
      await rm(join(cacheDir, '.locks', repoFolderName(repo)), { recursive: true, force: true });
    }
    say(`${repo}: ${formatBytes(r.sizeOnDisk)} (${r.dir})`);
    return 0;
  }
  const commit = r.refs[revision] ?? (revision in r.snapshots ? revision : undefined);
  if (!commit) {
    console.error(`aaclip cache: ${repo} has no revision "${revision}" in the cache (revisions: ${Object.keys(r.refs).join(', ') || 'none'})`);
    return 1;
  }
  const keep = new Set(Object.entries(r.snapshots).filter(([c]) => c !== commit).flatMap(([, fs]) => fs.map((f) => f.blob)));
  const drop = [...new Set((r.snapshots[commit] ?? []).map((f) => f.blob))].filter((b): b is string => b !== null && !keep.has(b) && b in r.blobs);
  const bytes = drop.reduce((a, b) => a + r.blobs[b]!, 0);
  if (!flags.dryRun) {
    for (const b of drop) await rm(join(r.dir, 'blobs', b), { force: true });
    await rm(join(r.dir, 'snapshots', commit), { recursive: true, force: true });
    for (const [name, c] of Object.entries(r.refs)) if (c === commit) await rm(join(r.dir, 'refs', ...name.split('/')), { force: true });
  }
  say(`${repo}@${revision} (commit ${commit.slice(0, 12)}): ${drop.length} blobs, ${formatBytes(bytes)}`);
  return 0;
}

async function verify(cacheDir: string, args: string[], flags: CacheFlags): Promise<number> {
  let repos: CachedRepo[];
  if (args.length) {
    repos = [];
    for (const a of args) {
      const r = scanRepo(cacheDir, repoFolderName(repoArg(a).repo));
      if (!r) throw new UsageError(`${a} is not in ${cacheDir}`);
      repos.push(r);
    }
  } else repos = scanCache(cacheDir);
  const problems: { repo: string; what: string }[] = [];
  let checked = 0;
  for (const r of repos) {
    for (const [blob, size] of Object.entries(r.blobs)) {
      const digest = digestOfEtag(blob);
      if (!digest) continue;
      const got = await hashFile(join(r.dir, 'blobs', blob), digest.algorithm);
      checked++;
      if (got !== digest.hex) problems.push({ repo: r.repo, what: `blob ${blob} (${formatBytes(size)}) hashes to ${got}: damaged; aaclip cache rm ${r.repo}, or use it again to download it anew` });
      else await stampVerified(cacheDir, r.repo, blob);
    }
    for (const [commit, files] of Object.entries(r.snapshots)) {
      for (const f of files) if (!f.present) problems.push({ repo: r.repo, what: `${f.file} in snapshot ${commit.slice(0, 12)} points to a missing blob ${f.blob}` });
    }
  }
  if (flags.json) console.log(JSON.stringify({ cacheDir, repositories: repos.length, blobsChecked: checked, problems }, null, 2));
  else {
    for (const p of problems) console.log(`${p.repo}: ${p.what}`);
    console.log(`${checked} blobs in ${repos.length} repositories checked: ${problems.length ? `${problems.length} problems` : 'all match their hashes'}`);
  }
  return problems.length ? 1 : 0;
}

/** Runs `aaclip cache ...`; resolves to the exit code. */
export async function cacheCommand(argv: string[]): Promise<number> {
  const { sub, rest, flags } = parse(argv);
  if (flags.help || sub === 'help') {
    console.log(CACHE_HELP);
    return 0;
  }
  const cacheDir = flags.cache ?? hubCacheDir();
  switch (sub) {
    case 'ls':
    case 'list':
      if (rest.length) throw new UsageError('aaclip cache ls takes no argument');
      return ls(cacheDir, flags);
    case 'rm':
      return remove(cacheDir, rest, flags);
    case 'verify':
      return verify(cacheDir, rest, flags);
    case undefined:
      console.error(CACHE_HELP);
      return 2;
    default:
      throw new UsageError(`unknown cache command "${sub.slice(0, 40)}" (ls, rm, verify; aaclip cache --help)`);
  }
}

// Model references to local files: a local path stays as it is, an http(s) URL or a Hub
// reference (`hf:owner/name[@revision][/file]`, an alias) is downloaded into the cache. A
// repository without a file name means its CLIP weights and tokenizer, or, for a published
// AA-CLIP bundle (an `aaclip.json` card, docs/hub.md), the bundle's base CLIP and adapters.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  AACLIP_BUNDLE_FILES,
  chooseAdapterFiles,
  chooseTokenizerFiles,
  chooseWeightFile,
  formatHubReference,
  isCommitHash,
  parseAAClipCard,
  parseModelRef,
  shardFilesOfIndex,
  type AAClipCard,
  type HubModelRef,
} from '@aaclip/core';
import { readRef, snapshotFiles, writeRef } from './cache-layout';
import { hubFileWith, settingsWithProgress, urlFileWith } from './hub-download';
import { HubOfflineError } from './hub-errors';
import { revisionInfo } from './hub-http';
import type { HubOptions, HubSettings } from './hub-options';

/** A repository's files at one commit, from the cache when it has what is needed, else from the Hub's list. */
interface RepoListing {
  commit: string;
  files: string[];
}

/** What a cached snapshot must hold to be used without asking the Hub for the file list. */
function snapshotSuffices(files: string[]): boolean {
  if (files.includes(AACLIP_BUNDLE_FILES.card)) return true;
  const w = chooseWeightFile(files);
  return w !== null && w !== 'model.safetensors.index.json' && chooseTokenizerFiles(files).length > 0;
}

async function listRepo(ref: HubModelRef, s: HubSettings, need: (files: string[]) => boolean = snapshotSuffices): Promise<RepoListing> {
  const commit = readRef(s.cacheDir, ref.repo, ref.revision);
  if (commit) {
    const files = snapshotFiles(s.cacheDir, ref.repo, commit);
    if (need(files) || (s.offline && files.length)) return { commit, files };
  }
  if (s.offline) {
    throw new HubOfflineError(`${formatHubReference(ref)}: the cache holds no snapshot of this repository${commit ? ` with its files (commit ${commit.slice(0, 12)})` : ''} and HF_HUB_OFFLINE is set; download it once online, or set AACLIP_CACHE / HF_HUB_CACHE to the cache that holds it`);
  }
  const info = await revisionInfo(ref.repo, ref.revision, s, formatHubReference(ref));
  await writeRef(s.cacheDir, ref.repo, ref.revision, info.commit); // the files are fetched at this commit
  return info;
}

/** Downloads files of a repository at a commit (the file list's commit, so that they match). */
async function fetchFiles(ref: HubModelRef, commit: string, files: string[], s: HubSettings): Promise<string[]> {
  const out: string[] = [];
  const revision = isCommitHash(ref.revision) ? ref.revision : commit;
  for (const file of files) {
    const p = await hubFileWith({ repo: ref.repo, revision, file }, s);
    out.push(p);
  }
  return out;
}

/** One file of a reference (a path, a URL, or a Hub reference naming its file). */
async function resolveFile(ref: string, s: HubSettings): Promise<string | null> {
  const r = parseModelRef(ref);
  if (r.kind === 'local') return r.path;
  if (r.kind === 'url') return urlFileWith(r.url, s);
  if (r.file) return hubFileWith({ repo: r.repo, revision: r.revision, file: r.file }, s);
  return null;
}

/** The model references of {@link resolveModelReferences}. */
export interface ModelReferences {
  model: string;
  adapters?: string[];
  vocab?: string[];
  /** Hub downloads: cache, endpoint, token, offline, progress. */
  hub?: HubOptions;
}

/** Local files for the references, and the card of a published bundle. */
export interface ResolvedModelFiles {
  model: string;
  adapters?: string[];
  vocab?: string[];
  /** The `aaclip.json` of a bundle named by `model` or `adapters`. */
  card?: AAClipCard;
  /** The bundle's calibration.json, when it has one. */
  calibration?: string;
}

/** The CLIP of a repository: its weight file (with every shard of an index) and its tokenizer files. */
async function clipOfRepo(ref: HubModelRef, listing: RepoListing, s: HubSettings): Promise<{ model: string; vocab: string[] }> {
  const weights = chooseWeightFile(listing.files);
  if (!weights) throw new Error(`${formatHubReference(ref)}: no CLIP weights in the repository (looked for model.safetensors, model.safetensors.index.json, open_clip_model.safetensors, pytorch_model.bin); name the file: hf:${ref.repo}/<file>`);
  const [model] = await fetchFiles(ref, listing.commit, [weights], s);
  if (weights.endsWith('.index.json')) await fetchFiles(ref, listing.commit, shardFilesOfIndex(await readFile(model!, 'utf8'), formatHubReference({ ...ref, file: weights })), s);
  const vocab = await fetchFiles(ref, listing.commit, chooseTokenizerFiles(listing.files), s);
  return { model: model!, vocab };
}

/** A bundle's card, when the listing has one. */
async function cardOf(ref: HubModelRef, listing: RepoListing, s: HubSettings): Promise<{ card: AAClipCard; calibration?: string } | null> {
  if (!listing.files.includes(AACLIP_BUNDLE_FILES.card)) return null;
  const [p] = await fetchFiles(ref, listing.commit, [AACLIP_BUNDLE_FILES.card], s);
  const card = parseAAClipCard(await readFile(p!, 'utf8'), formatHubReference({ ...ref, file: AACLIP_BUNDLE_FILES.card }));
  const calName = card.files?.calibration ?? AACLIP_BUNDLE_FILES.calibration;
  const calibration = listing.files.includes(calName) ? (await fetchFiles(ref, listing.commit, [calName], s))[0] : undefined;
  return { card, ...(calibration ? { calibration } : {}) };
}

/** The adapter files of a repository reference (a bundle's, or the official run's .pth files). */
async function adaptersOfRepo(ref: HubModelRef, s: HubSettings): Promise<{ files: string[]; card?: AAClipCard; calibration?: string }> {
  const listing = await listRepo(ref, s, (f) => chooseAdapterFiles(f).length > 0);
  const bundle = await cardOf(ref, listing, s);
  const names = chooseAdapterFiles(listing.files, bundle?.card);
  if (!names.length) throw new Error(`${formatHubReference(ref)}: no adapter files in the repository (looked for ${AACLIP_BUNDLE_FILES.adapters}, or text_adapter.pth + image_adapter_N.pth); name the file: hf:${ref.repo}/<file>`);
  return { files: await fetchFiles(ref, listing.commit, names, s), ...bundle };
}

/**
 * Local files for a model, its adapters and its tokenizer, downloading what the cache lacks.
 * A local file named like an alias (`ViT-B-16`) is taken as the file.
 *
 * @example
 * const files = await resolveModelReferences({ model: 'hf:openai/clip-vit-large-patch14-336', adapters: ['hf:user/aaclip-visa'] });
 * // files.model: ~/.cache/huggingface/hub/models--openai--clip-vit-large-patch14-336/snapshots/<commit>/model.safetensors
 */
export async function resolveModelReferences(refs: ModelReferences): Promise<ResolvedModelFiles> {
  const s = settingsWithProgress(refs.hub ?? {});
  return resolveWith(refs, s, 0);
}

async function resolveWith(refs: ModelReferences, s: HubSettings, depth: number): Promise<ResolvedModelFiles> {
  const out = await resolveModelRef(refs.model, s, depth, !refs.adapters?.length);
  if (refs.adapters?.length) {
    const a = await resolveAdapterRefs(refs.adapters, s);
    out.adapters = a.files;
    out.card ??= a.card;
    if (a.calibration) out.calibration ??= a.calibration;
  }
  if (refs.vocab?.length) out.vocab = await resolveVocabRefs(refs.vocab, s);
  if (!out.card) delete out.card;
  return out;
}

/** True when `p` is a reference to resolve (not an existing file, not a plain path). */
export function isRemoteReference(p: string): boolean {
  return typeof p === 'string' && !existsSync(p) && parseModelRef(p).kind !== 'local';
}

/**
 * The model of a reference: a CLIP repository gives its weights and tokenizer files (`vocab`),
 * a bundle its base CLIP and (with `withAdapters`) its adapters, card and calibration.
 */
export async function resolveModelRef(ref: string, s: HubSettings, depth = 0, withAdapters = true): Promise<ResolvedModelFiles> {
  const out: ResolvedModelFiles = { model: ref };
  if (!isRemoteReference(ref)) return out;
  const modelRef = parseModelRef(ref);
  const direct = await resolveFile(ref, s);
  if (direct) {
    out.model = direct;
    return out;
  }
  if (modelRef.kind !== 'hf') return out;
  const listing = await listRepo(modelRef, s);
  const bundle = await cardOf(modelRef, listing, s);
  if (bundle) {
    out.card = bundle.card;
    if (bundle.calibration) out.calibration = bundle.calibration;
  }
  if (bundle && !chooseWeightFile(listing.files)) {
    // a published AA-CLIP bundle: its base CLIP, and its adapters unless others are given
    if (depth > 2) throw new Error(`${formatHubReference(modelRef)}: aaclip.json "base" leads to another bundle more than twice`);
    const base = await resolveModelRef(bundle.card.base, s, depth + 1, false);
    out.model = base.model;
    if (base.vocab) out.vocab = base.vocab;
    if (withAdapters) out.adapters = (await adaptersOfRepo(modelRef, s)).files;
  } else {
    const clip = await clipOfRepo(modelRef, listing, s);
    out.model = clip.model;
    if (clip.vocab.length) out.vocab = clip.vocab;
  }
  return out;
}

/** Adapter references to files (a repository gives its bundle's or the official run's adapter files). */
export async function resolveAdapterRefs(list: readonly string[], s: HubSettings): Promise<{ files: string[]; card?: AAClipCard; calibration?: string }> {
  const out: { files: string[]; card?: AAClipCard; calibration?: string } = { files: [] };
  for (const a of list) {
    if (!isRemoteReference(a)) out.files.push(a);
    else {
      const r = parseModelRef(a);
      if (r.kind === 'url' || (r.kind === 'hf' && r.file)) out.files.push((await resolveFile(a, s))!);
      else if (r.kind === 'hf') {
        const got = await adaptersOfRepo(r, s);
        out.files.push(...got.files);
        if (got.card) out.card ??= got.card;
        if (got.calibration) out.calibration ??= got.calibration;
      }
    }
  }
  return out;
}

/** Tokenizer references to files (a repository gives its tokenizer set). */
export async function resolveVocabRefs(list: readonly string[], s: HubSettings): Promise<string[]> {
  const out: string[] = [];
  for (const v of list) {
    if (!isRemoteReference(v)) out.push(v);
    else {
      const r = parseModelRef(v);
      if (r.kind === 'url' || (r.kind === 'hf' && r.file)) out.push((await resolveFile(v, s))!);
      else if (r.kind === 'hf') {
        const listing = await listRepo(r, s, (f) => chooseTokenizerFiles(f).length > 0);
        const names = chooseTokenizerFiles(listing.files);
        if (!names.length) throw new Error(`${formatHubReference(r)}: no tokenizer files in the repository (tokenizer.json, vocab.json + merges.txt, bpe_simple_vocab_16e6.txt.gz)`);
        out.push(...(await fetchFiles(r, listing.commit, names, s)));
      }
    }
  }
  return out;
}

/**
 * The same options with every reference turned into a local file (see
 * {@link resolveModelReferences}); options without references come back unchanged, without
 * touching the cache.
 */
export async function resolveBundleReferences<T extends ModelReferences>(opts: T): Promise<T> {
  const all = [opts.model, ...(opts.adapters ?? []), ...(opts.vocab ?? [])];
  if (!all.some(isRemoteReference)) return opts;
  const r = await resolveModelReferences(opts);
  return { ...opts, model: r.model, adapters: r.adapters ?? opts.adapters, vocab: r.vocab ?? opts.vocab };
}

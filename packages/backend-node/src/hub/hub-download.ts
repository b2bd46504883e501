// hf_hub_download for Node: one file of a Hub repository into the huggingface_hub cache, or
// straight from it when it is there (no request at all for a cached branch or commit).
import { createHash } from 'node:crypto';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatHubReference, hubRefFromUrl } from '@aaclip/core';
import { Progress } from '../progress';
import { blobPath, cachedPointer, digestOfEtag, dropBlob, linkPointer, lockPath, pointerPath, readRef, repoDir, stampVerified, verifyBlob, writeRef } from './cache-layout';
import { downloadFile } from './download-file';
import { acquireLock } from './file-lock';
import { formatBytes, HubOfflineError } from './hub-errors';
import { fileMetadata, hubHeaders, normalizeEtag } from './hub-http';
import { envFlag, hubSettings, type DownloadProgress, type HubOptions, type HubSettings } from './hub-options';

/** A file of a Hub repository at a revision. */
export interface HubFile {
  repo: string;
  revision: string;
  file: string;
}

/** The stderr progress bar of the CLI (bytes, rate, ETA), one per file; silent with HF_HUB_DISABLE_PROGRESS_BARS=1. */
export function stderrProgress(): (p: DownloadProgress) => void {
  const bars = new Map<string, { bar: Progress; shown: number }>();
  return (p) => {
    if (p.waitingForPid !== undefined) {
      process.stderr.write(`${p.label}: another process${p.waitingForPid !== null ? ` (pid ${p.waitingForPid})` : ''} is downloading it; waiting\n`);
      return;
    }
    let b = bars.get(p.label);
    if (!b) {
      b = { bar: new Progress(`download ${p.label}`, p.total ?? 0), shown: 0 };
      bars.set(p.label, b);
    }
    const extra = `${formatBytes(p.loaded)}${p.total !== undefined ? ` of ${formatBytes(p.total)}` : ''} at ${formatBytes(p.bytesPerSecond)}/s`;
    b.bar.tick(p.loaded - b.shown, extra);
    b.shown = p.loaded;
    if (p.done) {
      b.bar.finish(extra);
      bars.delete(p.label);
    }
  };
}

/** Settings with the default progress bar when none was chosen. */
export function settingsWithProgress(opts: HubOptions): HubSettings {
  const s = hubSettings(opts);
  if (s.onProgress === undefined && !envFlag((opts.env ?? process.env).HF_HUB_DISABLE_PROGRESS_BARS)) s.onProgress = stderrProgress();
  if (s.onProgress === null) s.onProgress = undefined;
  return s;
}

/** The blob name a snapshot pointer (a symlink into ../../blobs) points at, or null for a plain file. */
function etagOfPointer(pointer: string): string | null {
  try {
    return basename(readlinkSync(pointer));
  } catch {
    return null;
  }
}

/**
 * A cached pointer whose blob matches its hash, or null. A blob with the wrong bytes is
 * removed (with the pointer), so that it is downloaded again.
 */
async function checkedPointer(s: HubSettings, f: HubFile, commit: string): Promise<string | null> {
  const pointer = cachedPointer(s.cacheDir, f.repo, commit, f.file);
  if (!pointer) return null;
  const etag = etagOfPointer(pointer);
  if (etag === null || !existsSync(blobPath(s.cacheDir, f.repo, etag))) return pointer; // a copied file (no symlinks here)
  if (await verifyBlob(s.cacheDir, f.repo, etag)) return pointer;
  process.emitWarning(`${formatHubReference(f)}: the cached blob ${etag} does not match its hash; downloading it again`);
  await dropBlob(s.cacheDir, f.repo, etag, pointer);
  return null;
}

function offlineError(s: HubSettings, f: HubFile, commit: string | null): HubOfflineError {
  const where = commit ? `snapshot ${commit.slice(0, 12)} of ${repoDir(s.cacheDir, f.repo)}` : `${repoDir(s.cacheDir, f.repo)} (no ref "${f.revision}")`;
  return new HubOfflineError(`${formatHubReference(f)} is not in the cache and HF_HUB_OFFLINE is set: looked in ${where}. Download it once online (unset HF_HUB_OFFLINE), or set AACLIP_CACHE / HF_HUB_CACHE to the cache that holds it`);
}

/**
 * The local path of a Hub file, downloading it into the cache when needed: cached pointers
 * (Python's included) are used without a request once their blob's hash has been checked; a
 * missing one is downloaded under a lock (one process downloads, others wait), resumed,
 * verified, renamed into `blobs/` and linked from `snapshots/<commit>/`.
 *
 * @example const path = await hubDownload({ repo: 'openai/clip-vit-base-patch16', revision: 'main', file: 'model.safetensors' });
 */
export function hubDownload(f: HubFile, opts: HubOptions = {}): Promise<string> {
  return hubFileWith(f, settingsWithProgress(opts));
}

/** {@link hubDownload} with the settings applied. */
export async function hubFileWith(f: HubFile, s: HubSettings): Promise<string> {
  const label = formatHubReference(f);
  const cachedCommit = readRef(s.cacheDir, f.repo, f.revision);
  if (cachedCommit) {
    const hit = await checkedPointer(s, f, cachedCommit);
    if (hit) return hit;
  }
  if (s.offline) throw offlineError(s, f, cachedCommit);
  const meta = await fileMetadata(f.repo, f.revision, f.file, s, label);
  await writeRef(s.cacheDir, f.repo, f.revision, meta.commit);
  const pointer = pointerPath(s.cacheDir, f.repo, meta.commit, f.file);
  if (meta.commit !== cachedCommit) {
    const hit = await checkedPointer(s, { ...f, revision: meta.commit }, meta.commit);
    if (hit) return hit;
  }
  const blob = blobPath(s.cacheDir, f.repo, meta.etag);
  await mkdir(dirname(blob), { recursive: true });
  const release = await acquireLock(lockPath(s.cacheDir, f.repo, meta.etag), {
    signal: s.signal,
    onWait: (pid) => s.onProgress?.({ label, loaded: 0, total: meta.size, bytesPerSecond: 0, etaSeconds: NaN, done: false, waitingForPid: pid }),
  });
  try {
    if (existsSync(blob) && !(await verifyBlob(s.cacheDir, f.repo, meta.etag))) await dropBlob(s.cacheDir, f.repo, meta.etag);
    if (!existsSync(blob)) {
      const digest = digestOfEtag(meta.etag);
      await downloadFile({ url: meta.location, headers: hubHeaders(s, meta.location), dest: blob, expectedSize: meta.size, digest, target: { label, repo: f.repo, revision: f.revision, file: f.file, tokenSent: Boolean(s.token) } }, s);
      if (digest) await stampVerified(s.cacheDir, f.repo, meta.etag);
    }
    await linkPointer(blob, pointer);
  } finally {
    await release();
  }
  return pointer;
}

/**
 * The local path of a file at an http(s) URL. A Hub `resolve` URL is cached like its `hf:`
 * reference; any other URL goes to `<cache>/aaclip-urls/<hash of the URL>/<name>` and is taken
 * as immutable (downloaded once, verified against its size, and its sha256 when the server
 * sends one as ETag).
 */
export function urlDownload(url: string, opts: HubOptions = {}): Promise<string> {
  return urlFileWith(url, settingsWithProgress(opts));
}

/** {@link urlDownload} with the settings applied. */
export async function urlFileWith(url: string, s: HubSettings): Promise<string> {
  const hubRef = hubRefFromUrl(url, s.endpoint);
  if (hubRef?.file) return hubFileWith({ repo: hubRef.repo, revision: hubRef.revision, file: hubRef.file }, s);
  const name = basename(new URL(url).pathname) || 'download';
  const dest = join(s.cacheDir, 'aaclip-urls', createHash('sha256').update(url).digest('hex').slice(0, 16), name);
  if (existsSync(dest)) return dest;
  if (s.offline) throw new HubOfflineError(`${url} is not in the cache (${dest}) and HF_HUB_OFFLINE is set`);
  await mkdir(dirname(dest), { recursive: true });
  const release = await acquireLock(`${dest}.aaclip.lock`, { signal: s.signal });
  try {
    if (existsSync(dest)) return dest;
    const head = await s.fetch(url, { method: 'HEAD', redirect: 'follow', headers: { 'accept-encoding': 'identity' }, signal: s.signal }).catch(() => null);
    const len = head?.ok ? head.headers.get('content-length') : null;
    const etag = head?.ok ? (normalizeEtag(head.headers.get('x-linked-etag')) ?? normalizeEtag(head.headers.get('etag'))) : null;
    const digest = etag && /^[0-9a-f]{64}$/.test(etag) ? digestOfEtag(etag) : null;
    await downloadFile({ url, headers: { 'user-agent': 'aaclip-tfjs (node)' }, dest, expectedSize: len && /^\d+$/.test(len) ? Number(len) : undefined, digest, target: { label: url, tokenSent: false } }, s);
  } finally {
    await release();
  }
  return dest;
}

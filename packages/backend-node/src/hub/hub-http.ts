// The Hub's HTTP API as huggingface_hub reads it: a HEAD on `resolve/<revision>/<file>` without
// following the redirect gives the commit (X-Repo-Commit), the blob name (X-Linked-Etag for LFS
// files, their sha256; else ETag, the git blob sha1), the size (X-Linked-Size, else
// Content-Length) and where the bytes are (the redirect's Location); the revision API lists files.
import { hubFileUrl, hubRevisionApiUrl } from '@aaclip/core';
import { sleep } from './download-file';
import { httpError, isRetryableStatus, type RequestTarget } from './hub-errors';
import type { HubSettings } from './hub-options';

/** What the Hub says about one file at one revision. */
export interface HubFileMetadata {
  commit: string;
  /** Blob name: sha256 for LFS files, git sha1 otherwise. */
  etag: string;
  size: number | undefined;
  /** Where to GET the bytes (the CDN URL of an LFS file, else the resolve URL). */
  location: string;
}

/** Request headers: the token (only for the Hub's own origin) and a user agent. */
export function hubHeaders(s: HubSettings, url: string): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': 'aaclip-tfjs (node)' };
  if (s.token && new URL(url).origin === new URL(s.endpoint).origin) h.authorization = `Bearer ${s.token}`;
  return h;
}

/** `"abc"` or `W/"abc"` -> `abc`. */
export function normalizeEtag(v: string | null): string | null {
  if (!v) return null;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** A fetch retried with backoff on 5xx answers and network errors; other answers are returned. */
export async function fetchRetrying(url: string, init: RequestInit, s: HubSettings, label: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    s.signal?.throwIfAborted();
    let res: Response | undefined;
    let err: unknown;
    try {
      res = await s.fetch(url, { ...init, signal: s.signal });
    } catch (e) {
      if (s.signal?.aborted) throw e;
      err = e;
    }
    if (res && !isRetryableStatus(res.status)) return res;
    if (attempt >= s.retries) {
      if (res) return res;
      throw new Error(`${label}: cannot reach ${new URL(url).origin} after ${attempt + 1} tries (${(err as Error)?.message ?? err}); check the network, or set HF_HUB_OFFLINE=1 to use the cache only`, { cause: err });
    }
    await res?.body?.cancel();
    await sleep(Math.min(s.retryDelayMs * 2 ** attempt, 30_000), s.signal);
  }
}

/** The HEAD metadata of a file (relative redirects, e.g. a renamed repository, are followed). */
export async function fileMetadata(repo: string, revision: string, file: string, s: HubSettings, label: string): Promise<HubFileMetadata> {
  const target: RequestTarget = { label, repo, revision, file, tokenSent: Boolean(s.token) };
  let url = hubFileUrl(repo, revision, file, s.endpoint);
  for (let hops = 0; ; hops++) {
    const res = await fetchRetrying(url, { method: 'HEAD', redirect: 'manual', headers: { ...hubHeaders(s, url), 'accept-encoding': 'identity' } }, s, label);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location && location.startsWith('/') && hops < 5) {
      url = new URL(location, url).href; // a renamed repository: same Hub, new path
      continue;
    }
    if (!(res.ok || (res.status >= 300 && res.status < 400))) {
      if (isRetryableStatus(res.status)) throw new Error(`${label}: the Hub answered HTTP ${res.status} after ${s.retries + 1} tries; try again later`);
      throw httpError(res.status, res.headers, target);
    }
    const commit = res.headers.get('x-repo-commit');
    const etag = normalizeEtag(res.headers.get('x-linked-etag')) ?? normalizeEtag(res.headers.get('etag'));
    const sizeText = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
    if (!commit || !etag) {
      throw new Error(`${label}: ${new URL(url).origin} did not send the X-Repo-Commit and ETag headers of a Hugging Face Hub; is HF_ENDPOINT a Hub or a mirror of one?`);
    }
    return { commit, etag, size: sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined, location: location ? new URL(location, url).href : url };
  }
}

/** The commit and file list of a revision (`api/models/<repo>/revision/<revision>`). */
export async function revisionInfo(repo: string, revision: string, s: HubSettings, label: string): Promise<{ commit: string; files: string[] }> {
  const url = hubRevisionApiUrl(repo, revision, s.endpoint);
  const res = await fetchRetrying(url, { headers: hubHeaders(s, url) }, s, label);
  if (!res.ok) {
    await res.body?.cancel();
    throw httpError(res.status, res.headers, { label, repo, revision, tokenSent: Boolean(s.token) });
  }
  let body: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (e) {
    throw new Error(`${label}: the Hub's file list is not JSON (${(e as Error).message})`);
  }
  if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) throw new Error(`${label}: the Hub's answer has no "sha" and "siblings" (file list)`);
  return { commit: body.sha, files: body.siblings.map((f) => f.rfilename).filter((f): f is string => typeof f === 'string') };
}

// Downloads a weight file with progress, through the Cache Storage API.
import { resolveReferenceUrl } from '@aaclip/core';
import { crossOriginHint } from './cross-origin';
import { readResponseBytes, type ProgressCallback } from './read-body';

/** Download progress of `url`: bytes so far and the total when known (the last call has loaded === total). */
export type UrlProgressCallback = (loaded: number, total: number | undefined, url: string) => void;
import {
  BYTE_LENGTH_HEADER,
  cachedResponse,
  cacheNameOf,
  defaultCacheStorage,
  openCache,
  weightCacheKey,
  type CacheLike,
  type CacheStorageLike,
} from './weight-cache';

/** A `fetch`-compatible function. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface LoadWeightsOptions {
  /** Progress of the download (or of reading the cached copy): bytes so far, the total when known, the URL. */
  onProgress?: UrlProgressCallback;
  /**
   * Keep the file in the Cache Storage API: true (default) uses 'aaclip-weights-v1', a string
   * names the cache, false downloads every time. Where `caches` is missing (insecure context)
   * or refuses (private mode, quota), loading still works, uncached.
   */
  cache?: boolean | string;
  /** Aborts the download (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Extra fetch options (headers, credentials, mode); `signal` is set from the option above. */
  requestInit?: RequestInit;
  /** Replaces the global `fetch`. */
  fetch?: FetchLike;
  /** Replaces the global `caches`; null disables caching. */
  cacheStorage?: CacheStorageLike | null;
  /** Receives non-fatal problems (cache unavailable, quota exceeded). Default `console.warn`. */
  onWarning?: (message: string) => void;
  /** The Hub (or a mirror) that `hf:` references and aliases resolve to; default https://huggingface.co. */
  hubEndpoint?: string;
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return (signal?.aborted ?? false) || (err instanceof Error && err.name === 'AbortError');
}

async function readCached(cache: CacheLike, key: string, url: string, opts: LoadWeightsOptions, progress: ProgressCallback | undefined, warn: (m: string) => void): Promise<Uint8Array<ArrayBuffer> | null> {
  let hit: Response | undefined;
  try {
    hit = await cache.match(key);
  } catch (err) {
    warn(`${url}: Cache Storage lookup failed (${(err as Error)?.message ?? String(err)}); downloading`);
    return null;
  }
  if (!hit) return null;
  try {
    const bytes = await readResponseBytes(hit, { onProgress: progress, signal: opts.signal, what: `${url} (cached)` });
    const stored = hit.headers.get(BYTE_LENGTH_HEADER);
    if (stored !== null && Number(stored) !== bytes.length) throw new Error(`cached copy has ${bytes.length} bytes, ${stored} were stored`);
    return bytes;
  } catch (err) {
    if (isAbort(err, opts.signal)) throw err;
    warn(`${url}: cached copy is unreadable (${(err as Error)?.message ?? String(err)}); downloading again`);
    await cache.delete(key).catch(() => false);
    return null;
  }
}

/**
 * Downloads a weight file (or any binary) with progress and returns its bytes. The response
 * body is streamed (`onProgress(loaded, total)` per chunk, total from `Content-Length`) and the
 * bytes are stored in the Cache Storage API under the URL, so a second visit reads them from
 * the cache and downloads nothing. Feed the bytes to `decodeWeightFile` / `readSafetensors`
 * (fp16 and bf16 safetensors become float32 there).
 *
 * @example
 * const bytes = await loadWeights('/models/ViT-L-14-336.safetensors', {
 *   onProgress: (loaded, total) => console.log(total ? `${((100 * loaded) / total).toFixed(1)} %` : `${loaded} bytes`),
 * });
 */
export async function loadWeights(url: string | URL, opts: LoadWeightsOptions = {}): Promise<Uint8Array> {
  const label = String(url);
  if (typeof url === 'string') url = resolveReferenceUrl(url, 'model', opts.hubEndpoint); // hf:owner/name[@rev][/file], aliases
  const key = weightCacheKey(url);
  const name = cacheNameOf(opts.cache);
  const warn = opts.onWarning ?? ((m: string) => console.warn(`@aaclip/backend-web: ${m}`));
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new TypeError(`loadWeights: onProgress must be a function, got ${typeof opts.onProgress}`);
  opts.signal?.throwIfAborted();
  const cb = opts.onProgress;
  const progress: ProgressCallback | undefined = cb ? (loaded, total) => cb(loaded, total, label) : undefined;
  const storage = opts.cacheStorage !== undefined ? opts.cacheStorage : defaultCacheStorage();
  const cache = name && storage ? await openCache(storage, name, warn) : null;
  if (cache) {
    const bytes = await readCached(cache, key, label, opts, progress, warn);
    if (bytes) return bytes;
  }

  const fetchFn = opts.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchFn !== 'function') throw new Error(`loadWeights: no fetch function available to download ${label}`);
  let response: Response;
  try {
    response = await fetchFn(key, { ...opts.requestInit, signal: opts.signal });
  } catch (err) {
    if (isAbort(err, opts.signal)) throw opts.signal?.reason ?? err;
    throw new Error(`loadWeights: fetching ${label} failed: ${(err as Error)?.message ?? String(err)}.${crossOriginHint(key)}`);
  }
  if (!response.ok) {
    throw new Error(`loadWeights: ${label}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const bytes = await readResponseBytes(response, { onProgress: progress, signal: opts.signal, what: label });

  if (cache) {
    try {
      await cache.put(key, cachedResponse(bytes));
    } catch (err) {
      const e = err as Error;
      const quota = e?.name === 'QuotaExceededError' ? ' (storage quota exceeded)' : '';
      warn(`${label}: could not store ${bytes.length} bytes in Cache Storage "${name}"${quota}: ${e?.message ?? String(err)}`);
    }
  }
  return bytes;
}

// Cache Storage helpers: downloaded weight files are kept by URL so a second visit downloads nothing.

/** Default Cache Storage name of {@link loadWeights}. Bump the version to drop old entries. */
export const DEFAULT_WEIGHT_CACHE = 'aaclip-weights-v1';

/** Header recording the stored byte count, checked when a cached copy is read back. */
export const BYTE_LENGTH_HEADER = 'x-aaclip-byte-length';

/** The part of a `Cache` used here. */
export interface CacheLike {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** The part of `CacheStorage` (the global `caches`) used here. */
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}

/** The global `caches`, or null where there is none (insecure context, some workers, Node). */
export function defaultCacheStorage(): CacheStorageLike | null {
  const c = (globalThis as { caches?: CacheStorageLike }).caches;
  return c && typeof c.open === 'function' ? c : null;
}

/**
 * The cache key of a URL: absolute, resolved against the page's location when there is one.
 *
 * @example weightCacheKey('/models/clip.safetensors') // 'https://example.com/models/clip.safetensors'
 */
export function weightCacheKey(url: string | URL): string {
  if (url instanceof URL) return url.href;
  if (typeof url !== 'string' || url.trim() === '') throw new Error(`weights URL must be a non-empty string or URL, got ${JSON.stringify(url)}`);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return base ? new URL(url, base).href : new URL(url).href;
  } catch {
    return url; // relative URL without a page location (tests, custom fetch): used as given
  }
}

/** The Cache Storage name an option value means, or null for "no cache". */
export function cacheNameOf(option: boolean | string | undefined): string | null {
  if (option === false) return null;
  if (option === undefined || option === true) return DEFAULT_WEIGHT_CACHE;
  if (typeof option !== 'string' || option.trim() === '') {
    throw new Error(`loadWeights: cache must be a boolean or a non-empty Cache Storage name, got ${JSON.stringify(option)}`);
  }
  return option;
}

/**
 * Opens a cache, or returns null (with a warning) when the browser refuses, e.g. in private
 * modes or on opaque origins.
 */
export async function openCache(storage: CacheStorageLike, name: string, warn: (m: string) => void): Promise<CacheLike | null> {
  try {
    return await storage.open(name);
  } catch (err) {
    warn(`Cache Storage "${name}" cannot be opened (${(err as Error)?.message ?? String(err)}); weights will not be cached`);
    return null;
  }
}

/** A response holding `bytes`, as stored in the cache. */
export function cachedResponse(bytes: Uint8Array<ArrayBuffer>): Response {
  return new Response(bytes, {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      [BYTE_LENGTH_HEADER]: String(bytes.length),
    },
  });
}

/**
 * True when the weights at `url` are in the cache (so loading them downloads nothing).
 *
 * @example if (!(await isWeightCached(modelUrl))) showDownloadNotice();
 */
export async function isWeightCached(url: string | URL, cacheName: string = DEFAULT_WEIGHT_CACHE, storage: CacheStorageLike | null = defaultCacheStorage()): Promise<boolean> {
  if (!storage) return false;
  try {
    const cache = await storage.open(cacheName);
    return (await cache.match(weightCacheKey(url))) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Removes cached weights: the entry of `url`, or (without a URL) the whole cache.
 * Resolves to whether anything was removed.
 *
 * @example await clearWeightCache(); // drops every cached weight file
 */
export async function clearWeightCache(url?: string | URL, cacheName: string = DEFAULT_WEIGHT_CACHE, storage: CacheStorageLike | null = defaultCacheStorage()): Promise<boolean> {
  if (!storage) return false;
  if (url === undefined) return storage.delete(cacheName);
  const cache = await storage.open(cacheName);
  return cache.delete(weightCacheKey(url));
}

import { describe, expect, it, vi } from 'vitest';
import { loadWeights, type FetchLike } from './load-weights';
import { FakeCaches, fakeFetch } from '../../../test-utils/web-fakes';
import { BYTE_LENGTH_HEADER, clearWeightCache, DEFAULT_WEIGHT_CACHE, isWeightCached, weightCacheKey } from './weight-cache';

const URL_A = 'https://models.test/clip.safetensors';
const payload = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255);

describe('loadWeights with Cache Storage', () => {
  it('downloads once with progress, stores the bytes, and serves the second load from the cache', async () => {
    const data = payload(12);
    const fetch = fakeFetch({ [URL_A]: data });
    const cacheStorage = new FakeCaches();
    const progress: [number, number | undefined, string][] = [];
    const onProgress = (l: number, t: number | undefined, u: string): number => progress.push([l, t, u]);
    const warn = vi.fn();
    const first = await loadWeights(URL_A, { fetch, cacheStorage, onProgress, onWarning: warn });
    expect(Array.from(first)).toEqual(Array.from(data));
    expect(fetch.requests).toEqual([URL_A]);
    expect(progress).toEqual([[5, 12, URL_A], [10, 12, URL_A], [12, 12, URL_A]]);
    const stored = cacheStorage.stores.get(DEFAULT_WEIGHT_CACHE)!.get(URL_A)!;
    expect(stored.headers.get(BYTE_LENGTH_HEADER)).toBe('12');
    expect(stored.headers.get('content-length')).toBe('12');

    progress.length = 0;
    const second = await loadWeights(URL_A, { fetch, cacheStorage, onProgress, onWarning: warn });
    expect(Array.from(second)).toEqual(Array.from(data));
    expect(fetch.requests).toEqual([URL_A]); // nothing downloaded
    expect(progress.at(-1)).toEqual([12, 12, URL_A]);
    expect(warn).not.toHaveBeenCalled();
    expect(await isWeightCached(URL_A, DEFAULT_WEIGHT_CACHE, cacheStorage)).toBe(true);
  });

  it('honours cache: false and a custom cache name', async () => {
    const fetch = fakeFetch({ [URL_A]: payload(7) });
    const cacheStorage = new FakeCaches();
    await loadWeights(URL_A, { fetch, cacheStorage, cache: false });
    await loadWeights(URL_A, { fetch, cacheStorage, cache: false });
    expect(fetch.requests).toHaveLength(2);
    expect(cacheStorage.opened).toEqual([]);
    await loadWeights(URL_A, { fetch, cacheStorage, cache: 'my-models' });
    await loadWeights(URL_A, { fetch, cacheStorage, cache: 'my-models' });
    expect(fetch.requests).toHaveLength(3);
    expect([...cacheStorage.stores.keys()]).toEqual(['my-models']);
    await expect(loadWeights(URL_A, { fetch, cacheStorage, cache: ' ' })).rejects.toThrow('loadWeights: cache must be a boolean or a non-empty Cache Storage name, got " "');
  });

  it('works uncached where there is no Cache Storage, or it cannot be opened', async () => {
    const fetch = fakeFetch({ [URL_A]: payload(9) });
    const warn = vi.fn();
    expect((globalThis as { caches?: unknown }).caches).toBeUndefined(); // Node: no global caches
    await loadWeights(URL_A, { fetch, onWarning: warn });
    await loadWeights(URL_A, { fetch, cacheStorage: null, onWarning: warn });
    expect(fetch.requests).toHaveLength(2);
    expect(warn).not.toHaveBeenCalled();
    const broken = new FakeCaches();
    broken.openError = Object.assign(new Error('The operation is insecure.'), { name: 'SecurityError' });
    const out = await loadWeights(URL_A, { fetch, cacheStorage: broken, onWarning: warn });
    expect(out).toHaveLength(9);
    expect(warn).toHaveBeenCalledWith('Cache Storage "aaclip-weights-v1" cannot be opened (The operation is insecure.); weights will not be cached');
  });

  it('returns the bytes when storing them fails (quota), with a warning', async () => {
    const fetch = fakeFetch({ [URL_A]: payload(11) });
    const cacheStorage = new FakeCaches();
    cacheStorage.putError = Object.assign(new Error('quota reached'), { name: 'QuotaExceededError' });
    const warn = vi.fn();
    const out = await loadWeights(URL_A, { fetch, cacheStorage, onWarning: warn });
    expect(out).toHaveLength(11);
    expect(warn).toHaveBeenCalledWith(`${URL_A}: could not store 11 bytes in Cache Storage "aaclip-weights-v1" (storage quota exceeded): quota reached`);
  });

  it('drops a corrupted cached copy and downloads again', async () => {
    const data = payload(10);
    const fetch = fakeFetch({ [URL_A]: data });
    const cacheStorage = new FakeCaches();
    const bad = new Response(payload(4), { headers: { [BYTE_LENGTH_HEADER]: '10' } });
    cacheStorage.stores.set(DEFAULT_WEIGHT_CACHE, new Map([[URL_A, bad]]));
    const warn = vi.fn();
    const out = await loadWeights(URL_A, { fetch, cacheStorage, onWarning: warn });
    expect(Array.from(out)).toEqual(Array.from(data));
    expect(fetch.requests).toEqual([URL_A]);
    expect(warn).toHaveBeenCalledWith(`${URL_A}: cached copy is unreadable (cached copy has 4 bytes, 10 were stored); downloading again`);
    expect(cacheStorage.stores.get(DEFAULT_WEIGHT_CACHE)!.get(URL_A)!.headers.get(BYTE_LENGTH_HEADER)).toBe('10');
  });

  it('reports HTTP and network errors with the URL, caching nothing', async () => {
    const cacheStorage = new FakeCaches();
    await expect(loadWeights('https://models.test/none.bin', { fetch: fakeFetch({}), cacheStorage })).rejects.toThrow('loadWeights: https://models.test/none.bin: HTTP 404 Not Found');
    const offline: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(loadWeights(URL_A, { fetch: offline, cacheStorage })).rejects.toThrow(`loadWeights: fetching ${URL_A} failed: Failed to fetch`);
    expect(cacheStorage.stores.get(DEFAULT_WEIGHT_CACHE)!.size).toBe(0);
  });

  it('aborts a download and caches nothing', async () => {
    const ctl = new AbortController();
    const fetch = fakeFetch({ [URL_A]: payload(40) });
    const cacheStorage = new FakeCaches();
    const onProgress = (loaded: number): void => {
      if (loaded >= 10) ctl.abort();
    };
    await expect(loadWeights(URL_A, { fetch, cacheStorage, signal: ctl.signal, onProgress })).rejects.toMatchObject({ name: 'AbortError' });
    expect(cacheStorage.stores.get(DEFAULT_WEIGHT_CACHE)!.size).toBe(0);
    await expect(loadWeights(URL_A, { fetch, cacheStorage, signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fetch.requests).toHaveLength(1); // the second call did not even start
  });

  it('passes requestInit through and validates its arguments', async () => {
    const seen: RequestInit[] = [];
    const fetch: FetchLike = async (_u, init) => {
      seen.push(init!);
      return new Response(payload(3));
    };
    await loadWeights(URL_A, { fetch, cache: false, requestInit: { credentials: 'include', headers: { authorization: 'Bearer t' } } });
    expect(seen[0]!.credentials).toBe('include');
    expect(seen[0]!.headers).toEqual({ authorization: 'Bearer t' });
    await expect(loadWeights('', { fetch })).rejects.toThrow('weights URL must be a non-empty string or URL, got ""');
    await expect(loadWeights(URL_A, { fetch, onProgress: 5 as never })).rejects.toThrow('loadWeights: onProgress must be a function, got number');
  });
});

describe('weight cache helpers', () => {
  it('keys by absolute URL and clears one entry or the whole cache', async () => {
    expect(weightCacheKey('https://models.test/a/../b.bin')).toBe('https://models.test/b.bin');
    expect(weightCacheKey(new URL('https://models.test/c.bin'))).toBe('https://models.test/c.bin');
    expect(weightCacheKey('/relative.bin')).toBe('/relative.bin'); // no page location in Node
    const cacheStorage = new FakeCaches();
    const fetch = fakeFetch({ [URL_A]: payload(3), 'https://models.test/b.bin': payload(4) });
    await loadWeights(URL_A, { fetch, cacheStorage });
    await loadWeights('https://models.test/b.bin', { fetch, cacheStorage });
    expect(await clearWeightCache(URL_A, DEFAULT_WEIGHT_CACHE, cacheStorage)).toBe(true);
    expect(await isWeightCached(URL_A, DEFAULT_WEIGHT_CACHE, cacheStorage)).toBe(false);
    expect(await isWeightCached('https://models.test/b.bin', DEFAULT_WEIGHT_CACHE, cacheStorage)).toBe(true);
    expect(await clearWeightCache(undefined, DEFAULT_WEIGHT_CACHE, cacheStorage)).toBe(true);
    expect(cacheStorage.stores.size).toBe(0);
    expect(await isWeightCached(URL_A, DEFAULT_WEIGHT_CACHE, null)).toBe(false);
    expect(await clearWeightCache(URL_A, DEFAULT_WEIGHT_CACHE, null)).toBe(false);
  });
});

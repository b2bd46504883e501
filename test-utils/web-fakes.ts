// Test doubles for the browser's Cache Storage and fetch (used by *.test.ts only, not shipped).
import type { FetchLike } from '../packages/backend-web/src/load-weights';
import type { CacheLike, CacheStorageLike } from '../packages/backend-web/src/weight-cache';

/** A Cache Storage fake: named caches holding Responses by URL, with hooks to make calls fail. */
export class FakeCaches implements CacheStorageLike {
  readonly stores = new Map<string, Map<string, Response>>();
  readonly opened: string[] = [];
  openError: Error | null = null;
  putError: Error | null = null;

  async open(name: string): Promise<CacheLike> {
    this.opened.push(name);
    if (this.openError) throw this.openError;
    let m = this.stores.get(name);
    if (!m) this.stores.set(name, (m = new Map()));
    const store = m;
    return {
      match: async (key) => store.get(key)?.clone(),
      put: async (key, res) => {
        if (this.putError) throw this.putError;
        store.set(key, res);
      },
      delete: async (key) => store.delete(key),
    };
  }

  async delete(name: string): Promise<boolean> {
    return this.stores.delete(name);
  }
}

/**
 * A fetch fake serving `files` by URL as streams of `chunk`-byte pieces with Content-Length
 * (404 for others); `requests` lists every URL asked for.
 */
export function fakeFetch(files: Record<string, Uint8Array>, chunk = 5): FetchLike & { requests: string[] } {
  const requests: string[] = [];
  const f = async (url: string, init?: RequestInit): Promise<Response> => {
    requests.push(url);
    const data = files[url];
    if (!data) return new Response('missing', { status: 404, statusText: 'Not Found' });
    let o = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (init?.signal?.aborted) return c.error(init.signal.reason);
        if (o >= data.length) return c.close();
        c.enqueue(data.slice(o, o + chunk));
        o += chunk;
      },
    });
    return new Response(body, { headers: { 'content-length': String(data.length) } });
  };
  return Object.assign(f, { requests });
}

// Reads an HTTP response body to bytes, chunk by chunk, reporting progress.

/**
 * Progress of a download: bytes received so far, and the expected total when the response
 * declares one (`Content-Length`), else undefined. The last call always has `loaded === total`.
 */
export type ProgressCallback = (loaded: number, total: number | undefined) => void;

export interface ReadBodyOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Names the resource in error messages (e.g. its URL). */
  what?: string;
}

/** The part of a `Response` the reader uses. */
export interface BodyResponse {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** `Content-Length` as a number, or undefined when absent or malformed. */
export function declaredLength(headers: BodyResponse['headers']): number | undefined {
  const raw = headers.get('content-length');
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * True when the body bytes are exactly the `Content-Length` bytes (no visible
 * `Content-Encoding`; with gzip/br the length counts compressed bytes while the stream yields
 * decoded ones).
 */
function lengthIsExact(headers: BodyResponse['headers']): boolean {
  const enc = headers.get('content-encoding');
  return enc === null || enc.trim() === '' || enc.trim().toLowerCase() === 'identity';
}

/**
 * Reads `response.body` to a `Uint8Array`. With a `Content-Length` the buffer is allocated once
 * (no second copy of a large file); without one the chunks are joined at the end.
 * `onProgress(loaded, total)` is called after each chunk (total = Content-Length, or undefined
 * when unknown or exceeded) and once more at the end with `loaded === total`.
 * A body shorter than an exact Content-Length is an error; `signal` aborts the read.
 *
 * @example
 * const bytes = await readResponseBytes(await fetch(url), { onProgress: (l, t) => bar.update(l / (t ?? l)) });
 */
export async function readResponseBytes(response: BodyResponse, opts: ReadBodyOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const what = opts.what ?? 'response';
  const { signal, onProgress } = opts;
  signal?.throwIfAborted();
  const declared = declaredLength(response.headers);
  const exact = lengthIsExact(response.headers);
  let lastTotal: number | undefined = -1;
  let lastLoaded = -1;
  const report = (loaded: number, total: number | undefined): void => {
    lastLoaded = loaded;
    lastTotal = total;
    onProgress?.(loaded, total);
  };

  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    signal?.throwIfAborted();
    report(bytes.length, bytes.length);
    return bytes;
  }

  const reader = response.body.getReader();
  const onAbort = (): void => {
    reader.cancel(signal?.reason).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let buf: Uint8Array<ArrayBuffer> | null = null;
  try {
    if (declared !== undefined) buf = new Uint8Array(declared);
  } catch {
    buf = null; // an absurd Content-Length: collect chunks instead
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError(`${what}: body stream yielded ${Object.prototype.toString.call(value)}, expected Uint8Array chunks`);
      if (buf) {
        if (loaded + value.length > buf.length) {
          const grown = new Uint8Array(Math.max(buf.length * 2, loaded + value.length));
          grown.set(buf.subarray(0, loaded));
          buf = grown;
        }
        buf.set(value, loaded);
      } else {
        chunks.push(value);
      }
      loaded += value.length;
      report(loaded, declared !== undefined && loaded <= declared ? declared : undefined);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  if (declared !== undefined && exact && loaded < declared) {
    throw new Error(`${what}: download truncated: received ${loaded} of ${declared} bytes (Content-Length)`);
  }
  let out: Uint8Array<ArrayBuffer>;
  if (buf) out = loaded === buf.length ? buf : buf.slice(0, loaded);
  else {
    out = new Uint8Array(loaded);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
  }
  if (lastLoaded !== loaded || lastTotal !== loaded) report(loaded, loaded);
  return out;
}

// One file over HTTP into a temporary file beside its destination: streamed with progress,
// resumed with Range after an interruption, retried with backoff on 5xx and dropped
// connections, checked against the announced size and hash, then renamed into place. A full
// disk or a wrong hash leaves nothing behind.
import { createWriteStream as fsCreateWriteStream } from 'node:fs';
import { open, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createBlobHash, hashFile, type BlobDigest } from './cache-layout';
import { ChecksumError, DiskFullError, formatBytes, httpError, isRetryableStatus, type RequestTarget } from './hub-errors';
import type { HubSettings } from './hub-options';

export interface FileDownload {
  url: string;
  /** Request headers (authorization where it belongs). */
  headers: Record<string, string>;
  /** Final path; the bytes go to `${dest}.incomplete` first (the name huggingface_hub resumes from too). */
  dest: string;
  /** Announced size (X-Linked-Size / Content-Length). */
  expectedSize?: number;
  /** Announced hash (the blob name: LFS sha256 or git sha1). */
  digest?: BlobDigest;
  target: RequestTarget;
}

/** Waits `ms`, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), rej(signal.reason)), { once: true });
  });
}

async function sizeOf(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return 0;
  }
}

async function freeBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function diskFull(d: FileDownload, temp: string, need: number): Promise<DiskFullError> {
  await rm(temp, { force: true });
  const free = await freeBytes(dirname(d.dest));
  const freeText = Number.isFinite(free) ? `${formatBytes(free)} free` : 'the free space is unknown';
  return new DiskFullError(
    `no space left on the disk of ${dirname(d.dest)} for ${d.target.label}: it needs ${formatBytes(need)} (${need} bytes), ${freeText}; nothing was kept. Free some space, or set AACLIP_CACHE (or HF_HUB_CACHE) to a folder on a larger disk`,
    need,
  );
}

/** Feeds the first `n` bytes of `path` to `update` (the part a resumed download already has). */
async function hashPrefix(path: string, n: number, update: (b: Uint8Array) => void): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let off = 0; off < n; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, n - off), off);
      if (bytesRead === 0) break;
      update(buf.subarray(0, bytesRead));
      off += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** The start of a 206 answer's Content-Range (`bytes 100-199/1000`), or null. */
function rangeStart(res: Response): number | null {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : null;
}

/** Downloads `d.url` to `d.dest`; see the file comment. */
export async function downloadFile(d: FileDownload, s: HubSettings): Promise<void> {
  const temp = `${d.dest}.incomplete`;
  const total = d.expectedSize;
  if (total !== undefined) {
    const need = total - (await sizeOf(temp));
    if (need > (await freeBytes(dirname(d.dest)))) throw await diskFull(d, temp, total);
  }
  let attempt = 0;
  const retry = async (e: unknown): Promise<void> => {
    if (++attempt > s.retries) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`${d.target.label}: download failed after ${attempt} tries: ${why}; run the command again to resume`, { cause: e });
    }
    await sleep(Math.min(s.retryDelayMs * 2 ** (attempt - 1), 30_000), s.signal);
  };
  for (;;) {
    s.signal?.throwIfAborted();
    let have = await sizeOf(temp);
    if (total !== undefined && have > total) {
      await rm(temp, { force: true });
      have = 0;
    }
    if (total === undefined || have < total || have === 0) {
      const headers: Record<string, string> = { ...d.headers, 'accept-encoding': 'identity' };
      if (have > 0) headers.range = `bytes=${have}-`;
      let res: Response;
      try {
        res = await s.fetch(d.url, { headers, redirect: 'follow', signal: s.signal });
      } catch (e) {
        if (s.signal?.aborted) throw e;
        await retry(e);
        continue;
      }
      if (res.status === 416) {
        await res.body?.cancel();
        await rm(temp, { force: true }); // the partial file no longer fits the remote one
        await retry(new Error('HTTP 416 on resume'));
        continue;
      }
      if (isRetryableStatus(res.status)) {
        await res.body?.cancel();
        await retry(new Error(`HTTP ${res.status} from ${new URL(d.url).host}`));
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw httpError(res.status, res.headers, d.target);
      }
      const append = res.status === 206 && have > 0 && rangeStart(res) === have;
      if (!append) have = 0;
      const hash = d.digest && (d.digest.algorithm === 'sha256' || total !== undefined) ? createBlobHash(d.digest.algorithm, total ?? 0) : null;
      if (hash && append) await hashPrefix(temp, have, hash.update);
      const started = Date.now();
      const startedAt = have;
      let loaded = have;
      const report = (done: boolean): void => {
        const el = Math.max(1e-3, (Date.now() - started) / 1000);
        const rate = (loaded - startedAt) / el;
        s.onProgress?.({ label: d.target.label, loaded, total, bytesPerSecond: rate, etaSeconds: total !== undefined && rate > 0 ? (total - loaded) / rate : NaN, done });
      };
      const open = s.createWriteStream ?? ((p: string, flags: 'a' | 'w') => fsCreateWriteStream(p, { flags }));
      try {
        if (!res.body) throw new Error('empty response body');
        await pipeline(
          Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
          async function* (src: AsyncIterable<Uint8Array>) {
            for await (const chunk of src) {
              hash?.update(chunk);
              loaded += chunk.length;
              report(false);
              yield chunk;
            }
          },
          open(temp, append ? 'a' : 'w'),
        );
      } catch (e) {
        if (isDiskFull(e)) throw await diskFull(d, temp, total ?? loaded);
        if (s.signal?.aborted) throw e;
        if (loaded > startedAt) attempt = 0; // it progressed: the tries count again from here
        await retry(e); // a dropped connection: the next try resumes from what is on disk
        continue;
      }
      have = await sizeOf(temp);
      if (total !== undefined && have < total) {
        await retry(new Error(`the connection ended after ${have} of ${total} bytes`));
        continue;
      }
      report(true);
      if (hash && d.digest && total !== undefined && have === total) {
        const got = hash.hex();
        if (got !== d.digest.hex) {
          await rm(temp, { force: true });
          throw new ChecksumError(`${d.target.label}: the downloaded bytes do not match the Hub's ${d.digest.algorithm === 'sha256' ? 'sha256' : 'git sha1'} (expected ${d.digest.hex}, got ${got}); the file was not stored. Run the command again; if it repeats, the server or mirror (HF_ENDPOINT) serves a damaged file`);
        }
        await rename(temp, d.dest);
        return;
      }
    }
    // complete on disk (a finished earlier try, or no hash to compute while streaming)
    have = await sizeOf(temp);
    if (total !== undefined && have !== total) {
      await rm(temp, { force: true });
      throw new ChecksumError(`${d.target.label}: downloaded ${have} bytes, the Hub announced ${total}; the file was not stored`);
    }
    if (d.digest) {
      const got = await hashFile(temp, d.digest.algorithm);
      if (got !== d.digest.hex) {
        await rm(temp, { force: true });
        throw new ChecksumError(`${d.target.label}: the downloaded bytes do not match the Hub's hash (expected ${d.digest.hex}, got ${got}); the file was not stored. Run the command again`);
      }
    }
    await rename(temp, d.dest);
    return;
  }
}

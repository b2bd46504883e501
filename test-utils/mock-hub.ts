// A local stand-in for the Hugging Face Hub on 127.0.0.1, answering as the real one does for
// the requests huggingface_hub (and our Node client) make:
//   HEAD/GET /{owner}/{name}/resolve/{revision}/{file}   LFS files: 302 to /cdn/<sha256> with
//            X-Linked-Etag ("<sha256>"), X-Linked-Size, ETag, X-Repo-Commit; other files: 200
//            with ETag ("<git blob sha1>"), Content-Length, X-Repo-Commit
//   GET /cdn/{sha256}                                       the bytes; Range requests (206)
//   GET /api/models/{owner}/{name}/revision/{revision}      { sha, siblings: [{ rfilename }] }
// 401 (no such repository, or a gated one without a token; X-Error-Code RepoNotFound /
// GatedRepo), 404 (EntryNotFound, RevisionNotFound), and injected faults: a connection dropped
// after N bytes, a corrupt byte, 5xx answers, a slow body.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { bpeVocabPath, fixture } from './fixtures';

export interface MockRepo {
  commit: string;
  files: Map<string, Uint8Array>;
  /** Needs `Authorization: Bearer <token>` (a gated repository). */
  token?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface MockHubFaults {
  /** Path suffix (file name or sha256) -> bytes after which the next `times` GETs drop the connection. */
  dropAfter?: Map<string, { bytes: number; times: number }>;
  /** File names whose served bytes have one byte flipped (the headers keep the true hash). */
  corrupt?: Set<string>;
  /** Path suffix -> status answered the next `times` requests (e.g. 503). */
  status?: Map<string, { status: number; times: number }>;
  /** Chunk size and pause (ms) between chunks of /cdn bodies: a slow download. */
  slow?: { chunk: number; pauseMs: number };
  /** /cdn bodies start only once this returns true (polled every 10 ms). */
  gate?: () => boolean;
}

export interface MockHub {
  url: string;
  requests: LoggedRequest[];
  repos: Map<string, MockRepo>;
  faults: MockHubFaults;
  close(): Promise<void>;
}

/** LFS files (large or binary) are served through the CDN redirect, as on the Hub. */
export function isLfs(name: string): boolean {
  return /\.(safetensors|bin|pth|pt|gz|h5|msgpack)$/.test(name);
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Git's blob id: the ETag of a non-LFS file on the Hub. */
export function gitBlobSha1(b: Uint8Array): string {
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
}

export function fakeCommit(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** The files of a small Hugging Face CLIP repository: the tiny fixture CLIP as model.safetensors, vocab.json + merges.txt. */
export function tinyClipRepoFiles(): Map<string, Uint8Array> {
  return new Map<string, Uint8Array>([
    ['model.safetensors', readFileSync(fixture('clip-hf.safetensors'))],
    ...Object.entries(clipHfTokenizerFiles()),
    ['config.json', new TextEncoder().encode('{"model_type": "clip"}\n')],
  ]);
}

/** vocab.json + merges.txt laid out as Hugging Face's CLIP repositories have them, built from bpe_simple_vocab_16e6.txt.gz. */
export function clipHfTokenizerFiles(): { 'vocab.json': Uint8Array; 'merges.txt': Uint8Array } {
  const lines = gunzipSync(readFileSync(bpeVocabPath)).toString('utf8').split('\n').slice(1, 49152 - 256 - 2 + 1);
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) (bs.push(b), cs.push(256 + n++));
  const order = cs.map((c) => String.fromCodePoint(c));
  const symbols = [...order, ...order.map((c) => `${c}</w>`), ...lines.map((l) => l.split(' ').join('')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  symbols.forEach((s, i) => (vocab[s] = i));
  const enc = new TextEncoder();
  return { 'vocab.json': enc.encode(JSON.stringify(vocab)), 'merges.txt': enc.encode(`#version: 0.2\n${lines.join('\n')}\n`) };
}

function take(map: Map<string, { times: number }> | undefined, path: string): { times: number } | undefined {
  if (!map) return undefined;
  for (const [suffix, v] of map) if (path.endsWith(suffix) && v.times > 0) return v;
  return undefined;
}

/** Starts the mock Hub on a free port of 127.0.0.1. */
export async function startMockHub(repos: Map<string, MockRepo>, faults: MockHubFaults = {}): Promise<MockHub> {
  const requests: LoggedRequest[] = [];
  const blobs = new Map<string, { bytes: Uint8Array; file: string }>();
  for (const repo of repos.values()) for (const [file, bytes] of repo.files) if (isLfs(file)) blobs.set(sha256Hex(bytes), { bytes, file });
  // the CDN on its own port: another origin, as on the Hub (the token is not sent there)
  const server: Server = createServer((req, res) => handle(req, res));
  const cdnServer: Server = createServer((req, res) => handle(req, res));
  const stop = (sv: Server): Promise<void> => new Promise((r) => (sv.closeAllConnections(), sv.close(() => r())));
  let cdnUrl = '';
  const hub: MockHub = { url: '', requests, repos, faults, close: async () => void (await Promise.all([stop(server), stop(cdnServer)])) };

  function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Uint8Array | string): void {
    res.writeHead(status, headers);
    res.end(body);
  }

  function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, name: string, headers: Record<string, string | number>): void {
    let body = bytes;
    if (hub.faults.corrupt?.has(name)) {
      body = Uint8Array.from(bytes);
      body[body.length >> 1]! ^= 0xff;
    }
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= body.length) return send(res, 416, { 'content-range': `bytes */${body.length}` });
      status = 206;
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    }
    const part = body.subarray(start);
    res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-length': part.length, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') return void res.end();
    const drop = take(hub.faults.dropAfter, req.url ?? '') as { bytes: number; times: number } | undefined;
    if (drop) {
      drop.times--;
      res.write(part.subarray(0, Math.max(0, drop.bytes - start)), () => res.socket?.destroy());
      return;
    }
    if (hub.faults.slow) {
      const { chunk, pauseMs } = hub.faults.slow;
      let off = 0;
      const next = (): void => {
        if (res.destroyed) return;
        if (off >= part.length) return void res.end();
        res.write(part.subarray(off, off + chunk));
        off += chunk;
        setTimeout(next, pauseMs);
      };
      return next();
    }
    res.end(part);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', hub.url);
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const forced = take(hub.faults.status, path) as { status: number; times: number } | undefined;
    if (forced) {
      forced.times--;
      return send(res, forced.status, {}, 'injected');
    }
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) {
      const blob = blobs.get(cdn[1]!);
      if (!blob) return send(res, 404, {});
      const go = (): void => (hub.faults.gate && !hub.faults.gate() ? void setTimeout(go, 10) : serveBytes(req, res, blob.bytes, blob.file, { etag: `"${cdn[1]}"` }));
      return go();
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoId = api?.[1] ?? (resolve ? decodeURIComponent(resolve[1]!) : undefined);
    if (!repoId) return send(res, 404, {});
    const repo = repos.get(repoId);
    const auth = req.headers.authorization;
    if (!repo || (repo.token && auth !== `Bearer ${repo.token}`)) {
      const gated = repo?.token !== undefined;
      return send(res, 401, { 'x-error-code': gated ? 'GatedRepo' : 'RepoNotFound', 'x-error-message': gated ? `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it.` : 'Repository not found' });
    }
    const revision = api ? api[2]! : decodeURIComponent(resolve![2]!);
    if (revision !== 'main' && revision !== repo.commit) return send(res, 404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' });
    if (api) return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ id: repoId, sha: repo.commit, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) }));
    const file = resolve![3]!.split('/').map(decodeURIComponent).join('/');
    const bytes = repo.files.get(file);
    if (!bytes) return send(res, 404, { 'x-error-code': 'EntryNotFound', 'x-error-message': `${file} does not exist on "${revision}"`, 'x-repo-commit': repo.commit });
    if (isLfs(file)) {
      const sha = sha256Hex(bytes);
      return send(res, 302, { location: `${cdnUrl}/cdn/${sha}`, 'x-linked-etag': `"${sha}"`, 'x-linked-size': bytes.length, etag: `"${sha}"`, 'x-repo-commit': repo.commit, 'content-length': 0 });
    }
    serveBytes(req, res, bytes, file, { etag: `"${gitBlobSha1(bytes)}"`, 'x-repo-commit': repo.commit });
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => cdnServer.listen(0, '127.0.0.1', r));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cdnUrl = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;
  return hub;
}

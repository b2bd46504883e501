import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeCommit, gitBlobSha1, sha256Hex, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';
import { ChecksumError, DiskFullError, HubHttpError, HubOfflineError } from './hub-errors';
import { hubDownload, urlDownload } from './hub-download';
import { hubCacheDir } from './hub-options';
import type { DownloadProgress, HubOptions } from './hub-options';

const REPO = 'openai/clip-tiny';
const COMMIT = fakeCommit('clip-tiny');
const files = tinyClipRepoFiles();
const model = files.get('model.safetensors')!;
const modelSha = sha256Hex(model);

let hub: MockHub;
let cache: string;

beforeAll(async () => {
  hub = await startMockHub(new Map([[REPO, { commit: COMMIT, files }], ['acme/gated', { commit: fakeCommit('g'), files: new Map([['model.safetensors', model]]), token: 'hf_good' }]]));
});
afterAll(() => hub.close());
afterEach(() => {
  hub.requests.length = 0;
  hub.faults = {};
  rmSync(cache, { recursive: true, force: true });
});
function fresh(): HubOptions {
  cache = mkdtempSync(join(tmpdir(), 'aaclip-hub-'));
  return { cacheDir: cache, endpoint: hub.url, onProgress: null, retryDelayMs: 1, env: {} };
}
const repoDir = () => join(cache, 'models--openai--clip-tiny');

describe('hubDownload', () => {
  it('downloads into the huggingface_hub layout: blobs/<sha256>, a relative symlink in snapshots/<commit>, refs/main', async () => {
    const progress: DownloadProgress[] = [];
    const p = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, { ...fresh(), onProgress: (e) => progress.push(e) });
    expect(p).toBe(join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'));
    expect(lstatSync(p).isSymbolicLink()).toBe(true);
    expect(readlinkSync(p)).toBe(`../../blobs/${modelSha}`);
    expect(sha256Hex(readFileSync(p))).toBe(modelSha);
    expect(readFileSync(join(repoDir(), 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(readdirSync(join(repoDir(), 'blobs'))).toEqual([modelSha]);
    // HEAD on resolve (302 not followed), then GET of the CDN URL
    expect(hub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`HEAD /${REPO}/resolve/main/model.safetensors`, `GET /cdn/${modelSha}`]);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ loaded: model.length, total: model.length, done: true, label: `hf:${REPO}/model.safetensors` });
    // a non-LFS file is named by its git blob sha1
    const vocab = await hubDownload({ repo: REPO, revision: 'main', file: 'vocab.json' }, { cacheDir: cache, endpoint: hub.url, onProgress: null, env: {} });
    expect(readlinkSync(vocab)).toBe(`../../blobs/${gitBlobSha1(files.get('vocab.json')!)}`);
  });

  it('resumes with Range after a dropped connection', async () => {
    hub.faults = { dropAfter: new Map([[modelSha, { bytes: 3_000_000, times: 2 }]]) };
    const p = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, fresh());
    expect(sha256Hex(readFileSync(p))).toBe(modelSha);
    const gets = hub.requests.filter((r) => r.method === 'GET');
    // dropped after 3,000,000 bytes were sent (the client kept what reached it); each later try
    // asks only for the rest, from what is on disk; the third finishes
    expect(gets.length).toBe(3);
    expect(gets[0]!.range).toBeUndefined();
    for (const g of gets.slice(1)) {
      const from = Number(/^bytes=(\d+)-$/.exec(g.range ?? '')?.[1]);
      expect(from).toBeGreaterThan(1_000_000);
      expect(from).toBeLessThanOrEqual(3_000_000);
    }
    expect(existsSync(join(repoDir(), 'blobs', `${modelSha}.incomplete`))).toBe(false);
  });

  it('retries 5xx answers with backoff', async () => {
    hub.faults = { status: new Map([[`/cdn/${modelSha}`, { status: 503, times: 2 }]]) };
    const p = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, fresh());
    expect(sha256Hex(readFileSync(p))).toBe(modelSha);
    expect(hub.requests.filter((r) => r.path === `/cdn/${modelSha}`).length).toBe(3);
  });

  it('never renames a file whose sha256 is wrong into the cache', async () => {
    hub.faults = { corrupt: new Set(['model.safetensors']) };
    const err = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, fresh()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toContain(`hf:${REPO}/model.safetensors: the downloaded bytes do not match the Hub's sha256 (expected ${modelSha}`);
    expect(readdirSync(join(repoDir(), 'blobs'))).toEqual([]);
    expect(existsSync(join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'))).toBe(false);
  });

  it('names the repository and file on 404 and 401, and HF_TOKEN for gated repositories', async () => {
    const opts = fresh();
    const e404 = (await hubDownload({ repo: REPO, revision: 'main', file: 'nope.bin' }, opts).catch((e: unknown) => e)) as HubHttpError;
    expect(e404).toBeInstanceOf(HubHttpError);
    expect(e404.message).toBe(`file "nope.bin" of repository ${REPO}: not found (HTTP 404): the repository has no file "nope.bin" (the Hub says: nope.bin does not exist on "main")`);
    const eRev = (await hubDownload({ repo: REPO, revision: 'v9', file: 'model.safetensors' }, opts).catch((e: unknown) => e)) as Error;
    expect(eRev.message).toContain(`revision "v9" not found (a branch, tag or commit of ${REPO})`);
    const e401 = (await hubDownload({ repo: 'acme/gated', revision: 'main', file: 'model.safetensors' }, opts).catch((e: unknown) => e)) as HubHttpError;
    expect(e401.status).toBe(401);
    expect(e401.message).toContain('file "model.safetensors" of repository acme/gated: HTTP 401');
    expect(e401.message).toContain('set HF_TOKEN');
    const bad = (await hubDownload({ repo: 'acme/gated', revision: 'main', file: 'model.safetensors' }, { ...opts, token: 'hf_bad' }).catch((e: unknown) => e)) as Error;
    expect(bad.message).toContain('the token in HF_TOKEN was refused');
    // the right token (from HF_TOKEN) opens it, and is sent to the Hub only
    const ok = await hubDownload({ repo: 'acme/gated', revision: 'main', file: 'model.safetensors' }, { ...opts, env: { HF_TOKEN: 'hf_good' } });
    expect(sha256Hex(readFileSync(ok))).toBe(modelSha);
    expect(hub.requests.filter((r) => r.path.startsWith('/cdn/')).every((r) => r.authorization === undefined)).toBe(true);
  });

  it('offline: a missing file fails at once without a request; a cached one is used', async () => {
    const opts = fresh();
    const err = (await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, { ...opts, env: { HF_HUB_OFFLINE: '1' } }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(HubOfflineError);
    expect(err.message).toContain(`hf:${REPO}/model.safetensors is not in the cache and HF_HUB_OFFLINE is set`);
    expect(hub.requests.length).toBe(0);
    await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, opts);
    hub.requests.length = 0;
    const p = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, { ...opts, env: { HF_HUB_OFFLINE: '1' } });
    expect(sha256Hex(readFileSync(p))).toBe(modelSha);
    expect(hub.requests.length).toBe(0);
  });

  it('uses a cache Python filled with zero requests, and re-downloads a blob whose hash does not match', async () => {
    const opts = fresh();
    // the layout huggingface_hub writes: blobs/<sha256>, snapshots/<commit>/<file> -> ../../blobs/<sha256>, refs/main
    mkdirSync(join(repoDir(), 'blobs'), { recursive: true });
    mkdirSync(join(repoDir(), 'snapshots', COMMIT), { recursive: true });
    mkdirSync(join(repoDir(), 'refs'), { recursive: true });
    writeFileSync(join(repoDir(), 'blobs', modelSha), model);
    symlinkSync(`../../blobs/${modelSha}`, join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'));
    writeFileSync(join(repoDir(), 'refs', 'main'), COMMIT);
    const p = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, opts);
    expect(p).toBe(join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'));
    expect(hub.requests.length).toBe(0);
    // one flipped byte in the blob: not used, downloaded again
    const bad = Uint8Array.from(model);
    bad[100]! ^= 1;
    writeFileSync(join(repoDir(), 'blobs', modelSha), bad);
    const warn = process.emitWarning;
    const warnings: string[] = [];
    process.emitWarning = ((m: string) => void warnings.push(String(m))) as typeof process.emitWarning;
    try {
      const again = await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, opts);
      expect(sha256Hex(readFileSync(again))).toBe(modelSha);
    } finally {
      process.emitWarning = warn;
    }
    expect(warnings[0]).toContain(`the cached blob ${modelSha} does not match its hash; downloading it again`);
    expect(hub.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('a full disk leaves no partial file and says how much space was needed', async () => {
    const opts = fresh();
    let written = 0;
    const full = (): Writable =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          if (written > 1_000_000) cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
          else cb();
        },
      });
    const err = (await hubDownload({ repo: REPO, revision: 'main', file: 'model.safetensors' }, { ...opts, createWriteStream: full }).catch((e: unknown) => e)) as DiskFullError;
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err.neededBytes).toBe(model.length);
    expect(err.message).toContain(`it needs 11.4 MiB (${model.length} bytes)`);
    expect(err.message).toContain('nothing was kept');
    expect(readdirSync(join(repoDir(), 'blobs'))).toEqual([]);
    expect(existsSync(join(repoDir(), 'snapshots', COMMIT, 'model.safetensors'))).toBe(false);
  });

  it('downloads URLs: a Hub resolve URL into the Hub layout, another URL once into aaclip-urls, checked against its sha256 ETag', async () => {
    const opts = fresh();
    const viaHub = await urlDownload(`${hub.url}/${REPO}/resolve/main/merges.txt`, opts);
    expect(viaHub).toBe(join(repoDir(), 'snapshots', COMMIT, 'merges.txt'));
    expect(hub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`HEAD /${REPO}/resolve/main/merges.txt`, `GET /${REPO}/resolve/main/merges.txt`]);
    const cdnUrl = (await fetch(`${hub.url}/${REPO}/resolve/main/model.safetensors`, { method: 'HEAD', redirect: 'manual' })).headers.get('location')!;
    const plain = await urlDownload(cdnUrl, opts);
    expect(plain.startsWith(join(cache, 'aaclip-urls'))).toBe(true);
    expect(sha256Hex(readFileSync(plain))).toBe(modelSha);
    const before = hub.requests.length;
    expect(await urlDownload(cdnUrl, opts)).toBe(plain);
    expect(hub.requests.length).toBe(before); // the second time: no request
    hub.faults = { corrupt: new Set(['model.safetensors']) };
    await expect(urlDownload(`${cdnUrl}?v=2`, opts)).rejects.toThrow(ChecksumError);
  });
});

describe('hubCacheDir', () => {
  it('follows AACLIP_CACHE, HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then ~/.cache', () => {
    expect(hubCacheDir({ AACLIP_CACHE: '/a', HF_HUB_CACHE: '/b', HF_HOME: '/c' })).toBe('/a');
    expect(hubCacheDir({ HF_HUB_CACHE: '/b', HF_HOME: '/c' })).toBe('/b');
    expect(hubCacheDir({ HF_HOME: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({})).toMatch(/\/\.cache\/huggingface\/hub$/);
  });
});

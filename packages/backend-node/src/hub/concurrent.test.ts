import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeCommit, sha256Hex, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';

const here = fileURLToPath(new URL('.', import.meta.url));
const files = tinyClipRepoFiles();
const model = files.get('model.safetensors')!;
let hub: MockHub;
let dir: string;

beforeAll(async () => {
  hub = await startMockHub(new Map([['openai/clip-tiny', { commit: fakeCommit('c'), files }]]));
  dir = mkdtempSync(join(tmpdir(), 'aaclip-hub-2p-'));
  // the worker as one file (the hub code and core's pure hub part; nothing else is imported)
  await build({ entryPoints: [join(here, 'concurrent-worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(dir, 'worker.mjs'), alias: { '@aaclip/core': join(here, '../../../core/src/hub/index.ts') }, logLevel: 'error' });
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

function runWorker(cache: string): Promise<{ path: string; waited: boolean; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dir, 'worker.mjs'), cache, hub.url, 'openai/clip-tiny', 'model.safetensors'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { path: string; waited: boolean; pid: number }) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

it('two processes downloading the same file at once: one downloads, the other waits for the lock and reuses the blob', async () => {
  const cache = join(dir, 'cache');
  // the bytes flow only once both processes have asked for the metadata: the second one then
  // finds the first holding the lock, whatever the timing of the two starts
  hub.faults = { gate: () => hub.requests.filter((r) => r.method === 'HEAD').length >= 2 };
  const [a, b] = await Promise.all([runWorker(cache), runWorker(cache)]);
  expect(a.path).toBe(b.path);
  expect(sha256Hex(readFileSync(a.path))).toBe(sha256Hex(model));
  // both asked for the metadata; the bytes were fetched once
  expect(hub.requests.filter((r) => r.method === 'HEAD').length).toBe(2);
  expect(hub.requests.filter((r) => r.path.startsWith('/cdn/')).length).toBe(1);
  expect([a.waited, b.waited].filter(Boolean).length).toBe(1);
  // nothing left behind: no temporary file, no lock
  expect(readdirSync(join(cache, 'models--openai--clip-tiny', 'blobs'))).toEqual([sha256Hex(model)]);
  expect(readdirSync(join(cache, '.locks', 'models--openai--clip-tiny')).filter((f) => f.endsWith('.lock'))).toEqual([]);
});

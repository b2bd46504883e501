import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { fakeCommit, sha256Hex, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';
import { cacheCommand } from './cache-cmd';
import { hubDownload } from '@aaclip/backend-node';

let hub: MockHub;
let cache: string;
const files = tinyClipRepoFiles();

beforeAll(async () => {
  hub = await startMockHub(new Map([['openai/clip-tiny', { commit: fakeCommit('a'), files }], ['other/repo', { commit: fakeCommit('b'), files: new Map([['vocab.json', files.get('vocab.json')!]]) }]]));
  cache = mkdtempSync(join(tmpdir(), 'aaclip-cache-cmd-'));
  const o = { cacheDir: cache, endpoint: hub.url, onProgress: null, env: {} };
  for (const f of ['model.safetensors', 'vocab.json', 'merges.txt']) await hubDownload({ repo: 'openai/clip-tiny', revision: 'main', file: f }, o);
  await hubDownload({ repo: 'other/repo', revision: 'main', file: 'vocab.json' }, o);
});
afterAll(async () => {
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await cacheCommand([...argv, '--cache', cache]);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

it('ls lists repositories with revisions, files and size', async () => {
  const { code, out } = await run('ls');
  expect(code).toBe(0);
  const lines = out.split('\n');
  expect(lines[0]).toMatch(/^REPOSITORY\s+REVISIONS\s+FILES\s+SIZE$/);
  expect(lines[1]).toMatch(new RegExp(`^openai/clip-tiny\\s+main@${fakeCommit('a').slice(0, 8)}\\s+3\\s+12\\.\\d MiB$`));
  expect(lines[2]).toMatch(/^other\/repo\s+main@\w{8}\s+1\s+/);
  const json = JSON.parse((await run('ls', '--json')).out) as { repos: { repo: string; sizeOnDisk: number }[] };
  const total = files.get('model.safetensors')!.length + files.get('vocab.json')!.length + files.get('merges.txt')!.length;
  expect(json.repos.find((r) => r.repo === 'openai/clip-tiny')!.sizeOnDisk).toBe(total);
});

it('verify hashes every blob and reports a damaged one', async () => {
  expect(await run('verify')).toMatchObject({ code: 0, out: '4 blobs in 2 repositories checked: all match their hashes' });
  const blob = join(cache, 'models--openai--clip-tiny', 'blobs', sha256Hex(files.get('model.safetensors')!));
  const good = readFileSync(blob);
  const bad = Uint8Array.from(good);
  bad[7]! ^= 0x10;
  writeFileSync(blob, bad);
  const r = await run('verify', 'openai/clip-tiny');
  expect(r.code).toBe(1);
  expect(r.out).toContain(`openai/clip-tiny: blob ${sha256Hex(good)} (11.4 MiB) hashes to ${sha256Hex(bad)}: damaged`);
  writeFileSync(blob, good);
});

it('rm removes a revision or a repository, --dry-run only tells', async () => {
  const dry = await run('rm', 'hf:other/repo@main', '--dry-run');
  expect(dry.out).toMatch(/^would remove other\/repo@main \(commit \w{12}\): 1 blobs, /);
  expect(existsSync(join(cache, 'models--other--repo', 'refs', 'main'))).toBe(true);
  const one = await run('rm', 'other/repo@main');
  expect(one.code).toBe(0);
  expect(existsSync(join(cache, 'models--other--repo', 'refs', 'main'))).toBe(false);
  expect(existsSync(join(cache, 'models--other--repo', 'snapshots', fakeCommit('b')))).toBe(false);
  const all = await run('rm', 'openai/clip-tiny');
  expect(all.out).toMatch(/^removed openai\/clip-tiny: 12\.\d MiB/);
  expect(existsSync(join(cache, 'models--openai--clip-tiny'))).toBe(false);
  await expect(cacheCommand(['rm', 'hf:a/b/file.bin', '--cache', cache])).rejects.toThrow('names a file');
  await expect(cacheCommand(['frob', '--cache', cache])).rejects.toThrow('unknown cache command "frob" (ls, rm, verify');
});

// `aaclip convert --card BASE` writes the aaclip.json model card of a bundle beside its output,
// and the pair loads by name from a Hub repository (here the local stand-in).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAAClipCard } from '@aaclip/core';
import { afterAll, describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../../test-utils/fixtures';
import { fakeCommit, startMockHub, tinyClipRepoFiles } from '../../../../test-utils/mock-hub';
import { runCli } from '../cli';
import { resolveModelReferences } from '@aaclip/backend-node';

const dir = mkdtempSync(join(tmpdir(), 'aaclip-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaclip convert --card', () => {
  it('writes aaclip.json beside the model file, and the bundle resolves by name', async () => {
    const out = join(dir, 'adapters.safetensors');
    const args = ['convert', fixture('clip-openai.safetensors'), '--out', out, '--adapters', fixture('text_adapter.pth'), '--adapters', fixture('image_adapter_1.pth'), '--vocab', bpeVocabPath];
    const errors: string[] = [];
    expect(await runCli([...args, '--card', 'hf:openai/clip-vit-base-patch16', '--training-data', 'tiny fixture'], (s) => errors.push(s)), errors.join('')).toBe(0);
    const card = parseAAClipCard(readFileSync(join(dir, 'aaclip.json'), 'utf8'));
    expect(card).toMatchObject({ format: 'aaclip-bundle', version: 1, base: 'hf:openai/clip-vit-base-patch16', files: { adapters: 'adapters.safetensors' }, imageSize: 112, trainingData: 'tiny fixture' });
    // an existing card is not replaced without --force; a malformed base or no adapters is a usage error
    expect(await runCli([...args, '--force', '--card', 'hf:a/b@'], (s) => errors.push(s))).toBe(2);
    expect(await runCli(['convert', fixture('clip-openai.safetensors'), '--out', join(dir, 'x.safetensors'), '--card', 'ViT-B-16'], (s) => errors.push(s))).toBe(2);
    expect(errors.join('')).toContain('--card describes a bundle of trained adapters');

    const hub = await startMockHub(new Map([
      ['openai/clip-vit-base-patch16', { commit: fakeCommit('clip'), files: tinyClipRepoFiles() }],
      ['user/aaclip-tiny', { commit: fakeCommit('bundle'), files: new Map([['aaclip.json', readFileSync(join(dir, 'aaclip.json'))], ['adapters.safetensors', readFileSync(out)]]) }],
    ]));
    try {
      const files = await resolveModelReferences({ model: 'hf:user/aaclip-tiny', hub: { cacheDir: join(dir, 'cache'), endpoint: hub.url, onProgress: null, retryDelayMs: 1, env: {} } });
      expect(files.model).toMatch(/models--openai--clip-vit-base-patch16\/snapshots\/[0-9a-f]{40}\/model\.safetensors$/);
      expect(files.adapters).toHaveLength(1);
      expect(readFileSync(files.adapters![0]!).equals(readFileSync(out))).toBe(true);
    } finally {
      await hub.close();
    }
  }, 120_000);
});

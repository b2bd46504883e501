import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocessImage } from '@aaclip/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { fakeCommit, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';
import { runCli } from '../cli';
import { decodeImageFile } from '@aaclip/backend-node';
import { loadDetector } from '@aaclip/backend-node';
import { resolveCliReferences } from './cli-references';
import type { HubOptions } from '@aaclip/backend-node';

const CLIP = 'openai/clip-vit-base-patch16';
let hub: MockHub;
let dir: string;
let hubOpts: HubOptions;
const snap = (repo: string, seed: string, f: string) => join(dir, 'cache', `models--${repo.replace('/', '--')}`, 'snapshots', fakeCommit(seed), f);

beforeAll(async () => {
  hub = await startMockHub(
    new Map([
      [CLIP, { commit: fakeCommit('clip'), files: tinyClipRepoFiles() }],
      ['user/aaclip-tiny', { commit: fakeCommit('bundle'), files: new Map([['text_adapter.pth', readFileSync(fixture('text_adapter.pth'))], ['image_adapter_1.pth', readFileSync(fixture('image_adapter_1.pth'))]]) }],
    ]),
  );
  dir = mkdtempSync(join(tmpdir(), 'aaclip-hub-cli-'));
  hubOpts = { cacheDir: join(dir, 'cache'), endpoint: hub.url, onProgress: null, retryDelayMs: 1, env: {} };
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('model references on the command line', () => {
  it('rewrites --model, --adapters and --vocab references to cached files, adding the repository tokenizer', async () => {
    const argv = await resolveCliReferences('detect', ['img.png', '--class', 'bottle', '--model', `hf:${CLIP}`, '--adapters', 'hf:user/aaclip-tiny', '--out', 'o'], hubOpts);
    expect(argv).toEqual([
      'img.png', '--class', 'bottle',
      '--model', snap(CLIP, 'clip', 'model.safetensors'),
      '--adapters', snap('user/aaclip-tiny', 'bundle', 'text_adapter.pth'),
      '--adapters', snap('user/aaclip-tiny', 'bundle', 'image_adapter_1.pth'),
      '--out', 'o',
      '--vocab', snap(CLIP, 'clip', 'vocab.json'),
      '--vocab', snap(CLIP, 'clip', 'merges.txt'),
    ]);
    // given --vocab wins; convert takes its weights as the positional; local paths are untouched
    expect(await resolveCliReferences('convert', ['ViT-B-16', '--out', 'x.safetensors', '--vocab', 'my.gz'], hubOpts)).toEqual([snap(CLIP, 'clip', 'model.safetensors'), '--out', 'x.safetensors', '--vocab', 'my.gz']);
    expect(await resolveCliReferences('eval', [`--model=hf:${CLIP}/model.safetensors`, '--adapters', 'a.pth'], hubOpts)).toEqual([`--model=${snap(CLIP, 'clip', 'model.safetensors')}`, '--adapters', 'a.pth']);
    await expect(resolveCliReferences('detect', ['--model', 'hf:a/b@'], hubOpts)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('the revision after "@" is empty. Accepted forms') });
  });

  it('aaclip detect --model hf:... --adapters hf:... scores as the library does on the local files', async () => {
    const env = { HF_ENDPOINT: process.env.HF_ENDPOINT, AACLIP_CACHE: process.env.AACLIP_CACHE, HF_HUB_DISABLE_PROGRESS_BARS: process.env.HF_HUB_DISABLE_PROGRESS_BARS };
    Object.assign(process.env, { HF_ENDPOINT: hub.url, AACLIP_CACHE: join(dir, 'cache'), HF_HUB_DISABLE_PROGRESS_BARS: '1' });
    const errors: string[] = [];
    let code: number;
    const out = join(dir, 'out');
    try {
      code = await runCli(['detect', fixture('preprocess-input.png'), '--class', 'bottle', '--model', `hf:${CLIP}`, '--adapters', 'hf:user/aaclip-tiny', '--size', '140', '--out', out, '--backend', 'cpu', '--quiet'], (s) => void errors.push(s));
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')) as { results: { imageScore: number }[] };
    const { detector } = await loadDetector({ model: fixture('clip-hf.safetensors'), adapters: [fixture('text_adapter.pth'), fixture('image_adapter_1.pth')], vocab: [snap(CLIP, 'clip', 'vocab.json'), snap(CLIP, 'clip', 'merges.txt')] });
    const pixels = preprocessImage(await decodeImageFile(fixture('preprocess-input.png')), 140);
    const batch = tf.tensor4d(pixels, [1, 140, 140, 3]); // NHWC
    const [r] = await detector.detect(batch, { className: 'bottle' });
    batch.dispose();
    detector.dispose();
    expect(scores.results[0]!.imageScore).toBeCloseTo(r!.imageScore, 6);
  });
});

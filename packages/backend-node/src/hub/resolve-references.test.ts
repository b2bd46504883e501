import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocessImage } from '@aaclip/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../../test-utils/fixtures';
import { fakeCommit, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';
import { decodeImageFile } from '../image-io';
import { loadDetector } from '../model-bundle';
import { resolveModelReferences } from './resolve-references';
import type { HubOptions } from './hub-options';

const CLIP = 'openai/clip-vit-base-patch16'; // the repository of the ViT-B-16 alias, here holding the tiny CLIP
const BUNDLE = 'user/aaclip-tiny';
const enc = new TextEncoder();
const card = { format: 'aaclip-bundle', version: 1, base: 'ViT-B-16', files: { adapters: ['text_adapter.pth', 'image_adapter_1.pth'] }, trainingData: 'the aaclip-tiny fixture', imageSize: 140, metrics: { fixture: { imageAuroc: 50 } } };
let hub: MockHub;
let cache: string;
let hubOpts: HubOptions;

beforeAll(async () => {
  hub = await startMockHub(
    new Map([
      [CLIP, { commit: fakeCommit('clip'), files: tinyClipRepoFiles() }],
      [
        BUNDLE,
        {
          commit: fakeCommit('bundle'),
          files: new Map<string, Uint8Array>([
            ['aaclip.json', enc.encode(JSON.stringify(card))],
            ['text_adapter.pth', readFileSync(fixture('text_adapter.pth'))],
            ['image_adapter_1.pth', readFileSync(fixture('image_adapter_1.pth'))],
            ['calibration.json', enc.encode('{"thresholds": {}}')],
            ['README.md', enc.encode('# tiny')],
          ]),
        },
      ],
    ]),
  );
  cache = mkdtempSync(join(tmpdir(), 'aaclip-hub-e2e-'));
  hubOpts = { cacheDir: cache, endpoint: hub.url, onProgress: null, retryDelayMs: 1, env: {} };
});
afterAll(async () => {
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
});

async function detectScore(opts: Parameters<typeof loadDetector>[0]): Promise<{ imageScore: number; map0: number; vocabSource: string }> {
  const { detector, bundle } = await loadDetector(opts);
  try {
    const pixels = preprocessImage(await decodeImageFile(fixture('preprocess-input.png')), 140);
    const batch = tf.tensor4d(pixels, [1, 140, 140, 3]); // NHWC
    const [r] = await detector.detect(batch, { className: 'bottle' });
    batch.dispose();
    return { imageScore: r!.imageScore, map0: r!.anomalyMap[0]!, vocabSource: String((bundle.tokenizer as { source?: string } | null)?.source ?? '') };
  } finally {
    detector.dispose();
  }
}

describe('model references end to end', () => {
  it('resolves a CLIP repository to its weights and tokenizer, and a bundle to its base CLIP, adapters and card', async () => {
    const r = await resolveModelReferences({ model: `hf:${BUNDLE}`, hub: hubOpts });
    const snap = (repo: string, c: string, f: string) => join(cache, `models--${repo.replace('/', '--')}`, 'snapshots', fakeCommit(c), f);
    expect(r.model).toBe(snap(CLIP, 'clip', 'model.safetensors'));
    expect(r.vocab).toEqual([snap(CLIP, 'clip', 'vocab.json'), snap(CLIP, 'clip', 'merges.txt')]);
    expect(r.adapters).toEqual([snap(BUNDLE, 'bundle', 'text_adapter.pth'), snap(BUNDLE, 'bundle', 'image_adapter_1.pth')]);
    expect(r.card).toMatchObject({ base: 'ViT-B-16', imageSize: 140 });
    expect(r.calibration).toBe(snap(BUNDLE, 'bundle', 'calibration.json'));
    expect(lstatSync(r.model).isSymbolicLink()).toBe(true);
    // README.md and config.json were not downloaded
    expect(hub.requests.some((q) => q.path.endsWith('README.md') || q.path.endsWith('config.json'))).toBe(false);
  });

  it('loadDetector with an hf: bundle reference gives the same detection as the local files', async () => {
    const local = await detectScore({ model: fixture('clip-hf.safetensors'), adapters: [fixture('text_adapter.pth'), fixture('image_adapter_1.pth')], vocab: [bpeVocabPath] });
    const byBundle = await detectScore({ model: `hf:${BUNDLE}`, hub: hubOpts });
    expect(byBundle.imageScore).toBe(local.imageScore);
    expect(byBundle.map0).toBe(local.map0);
    expect(byBundle.vocabSource).toBe('vocab.json'); // the tokenizer came from the CLIP repository, no --vocab
    expect(local.imageScore).toBeGreaterThan(0);
    expect(local.imageScore).toBeLessThan(1);
  });

  it('once cached, references resolve with zero requests, online or offline, through aliases and file names', async () => {
    const first = await resolveModelReferences({ model: `hf:${BUNDLE}`, hub: hubOpts });
    hub.requests.length = 0;
    const offline = await resolveModelReferences({ model: `hf:${BUNDLE}`, hub: { ...hubOpts, offline: true } });
    const byAlias = await resolveModelReferences({ model: 'ViT-B-16', adapters: [`hf:${BUNDLE}/text_adapter.pth`, `hf:${BUNDLE}@main/image_adapter_1.pth`], hub: hubOpts });
    expect(hub.requests).toEqual([]);
    expect(offline).toEqual(first);
    expect(byAlias.model).toBe(first.model);
    expect(byAlias.vocab).toEqual(first.vocab);
    expect(byAlias.adapters).toEqual(first.adapters);
  });

  it('rejects malformed references with the accepted forms, and names a repository without weights', async () => {
    await expect(loadDetector({ model: 'hf:a/b@', hub: hubOpts })).rejects.toThrow('invalid model reference "hf:a/b@": the revision after "@" is empty. Accepted forms: a local path');
    await expect(loadDetector({ model: 'hf:/x', hub: hubOpts })).rejects.toThrow('the owner before "/" is empty');
    await expect(loadDetector({ model: `hf:${CLIP}`, adapters: [`hf:${CLIP}`], hub: hubOpts })).rejects.toThrow(`hf:${CLIP}: no adapter files in the repository`);
    await expect(loadDetector({ model: 'hf:nobody/nothing', hub: hubOpts })).rejects.toThrow('repository nobody/nothing: HTTP 401, the repository does not exist, or it is private or gated and needs a token: set HF_TOKEN');
  });
});

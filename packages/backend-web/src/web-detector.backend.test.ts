import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { ClipModel, preprocessImage, type RawImage } from '@aaclip/core';
import { float32ToHalfBytes, halfToFloat32, normalizeClipStateDict, readSafetensors, writeSafetensors } from '@aaclip/core/weights';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../test-utils/fixtures';
import { nchwToNhwc } from '../../../test-utils/read-safetensors-lite';
import { imageToTensor } from './image-input';
import { loadClipFromUrl } from './load-model';
import { liveTensors } from './memory';
import { FakeCaches, fakeFetch } from '../../../test-utils/web-fakes';
import { createWebDetector } from './web-detector';

const BASE = 'https://models.test/';
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(fixture(name)));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - Number(b[i])));
  return m;
};

const expected = readSafetensors(file('expected.safetensors')).tensors;
const inputs = readSafetensors(file('inputs.safetensors')).tensors;
const im = inputs.get('images')!;
const S = im.shape[2]!;
const images = (): tf.Tensor4D => tf.tensor4d(nchwToNhwc(im.data as Float32Array, im.shape), [2, S, S, 3]);
const photo: RawImage = { width: 30, height: 20, channels: 3, data: Uint8Array.from({ length: 1800 }, (_, i) => (i * 53 + (i >> 4)) & 255) };

const files: Record<string, Uint8Array> = {
  [`${BASE}clip-openai.safetensors`]: file('clip-openai.safetensors'),
  [`${BASE}clip-hf.safetensors`]: file('clip-hf.safetensors'),
  [`${BASE}clip-openai-jit.pt`]: file('clip-openai-jit.pt'),
  [`${BASE}adapters.safetensors`]: file('adapters.safetensors'),
  [`${BASE}bpe_simple_vocab_16e6.txt.gz`]: new Uint8Array(readFileSync(bpeVocabPath)),
};

describe('createWebDetector', () => {
  it('builds from URLs (progress, Cache Storage), reproduces the reference maps, and frees everything', async () => {
    const start = liveTensors();
    const fetch = fakeFetch(files, 1 << 20);
    const cacheStorage = new FakeCaches();
    const last = new Map<string, [number, number | undefined]>();
    const det = await createWebDetector({
      modelUrl: `${BASE}clip-openai.safetensors`,
      adapterUrl: `${BASE}adapters.safetensors`,
      tokenizerUrl: `${BASE}bpe_simple_vocab_16e6.txt.gz`,
      classNames: ['bottle'],
      prompts: { dataset: 'mvtec' },
      visionHeads: 4,
      textHeads: 4,
      backend: false,
      fetch,
      cacheStorage,
      onProgress: (l, t, url) => last.set(url, [l, t]),
    });
    expect(det.backend).toBeNull();
    expect(det.classes).toEqual(['bottle']);
    expect(det.imageSize).toBe(112); // the CLIP's native size
    expect(fetch.requests.sort()).toEqual([`${BASE}adapters.safetensors`, `${BASE}bpe_simple_vocab_16e6.txt.gz`, `${BASE}clip-openai.safetensors`]);
    for (const url of fetch.requests) expect(last.get(url)).toEqual([files[url]!.length, files[url]!.length]);

    const x = images();
    const res = await det.detectBatch(x, 'bottle');
    const refMap = expected.get('test.anomaly_map.industrial')!.data as Float64Array;
    const refPred = expected.get('test.image_pred')!.data as Float64Array;
    for (let b = 0; b < 2; b++) {
      expect(res[b]!.size).toBe(S);
      expect(maxDiff(res[b]!.anomalyMap, refMap.subarray(b * S * S, (b + 1) * S * S))).toBeLessThan(2e-4);
      expect(Math.abs(res[b]!.imageScore - refPred[b]!)).toBeLessThan(1e-6);
    }
    // one browser-style image: preprocessed to imageSize, same as a hand-made tensor
    const one = await det.detect(photo, { className: 'bottle' });
    const t = tf.tensor4d(preprocessImage(photo, 112), [1, 112, 112, 3]);
    const [ref] = await det.detectBatch(t, 'bottle');
    expect(one.size).toBe(112);
    expect(maxDiff(one.anomalyMap, ref!.anomalyMap)).toBe(0);
    expect(one.score).toBe(ref!.score);
    const viaHelper = await imageToTensor(photo, 112);
    expect(maxDiff(viaHelper.dataSync(), t.dataSync())).toBe(0);
    tf.dispose([t, viaHelper]);

    // a second detector reads every file from the cache, and runs at the requested size
    const det2 = await createWebDetector({
      modelUrl: `${BASE}clip-openai.safetensors`,
      adapterUrl: `${BASE}adapters.safetensors`,
      tokenizerUrl: `${BASE}bpe_simple_vocab_16e6.txt.gz`,
      prompts: { dataset: 'mvtec' },
      visionHeads: 4,
      textHeads: 4,
      imageSize: S,
      backend: false,
      fetch,
      cacheStorage,
    });
    expect(fetch.requests).toHaveLength(3);
    expect(det2.imageSize).toBe(S);
    const again = await det2.detectBatch(x, 'bottle');
    expect(maxDiff(again[1]!.anomalyMap, res[1]!.anomalyMap)).toBe(0);

    // combined file: CLIP + adapters + anchors, heads from the clip_config metadata, no tokenizer
    const clipTensors = readSafetensors(files[`${BASE}clip-openai.safetensors`]!).tensors;
    const combined = new Map([...clipTensors, ...readSafetensors(files[`${BASE}adapters.safetensors`]!).tensors]);
    for (const [c, a] of det.detector.exportAnchors()) combined.set(`anchors.${c}`, { dtype: 'float32', shape: a.shape, data: a.data, sourceDtype: 'F32' });
    const clipConfig = normalizeClipStateDict(clipTensors, { visionHeads: 4, textHeads: 4 }).config;
    const combinedBytes = writeSafetensors(combined, { clip_config: JSON.stringify(clipConfig), image_size: String(S) });
    const det3 = await createWebDetector({ modelUrl: `${BASE}combined.safetensors`, backend: false, cache: false, fetch: fakeFetch({ [`${BASE}combined.safetensors`]: combinedBytes }) });
    expect(det3.classes).toEqual(['bottle']);
    expect(det3.imageSize).toBe(S); // from the image_size metadata
    const fromCombined = await det3.detectBatch(x, 'bottle');
    expect(maxDiff(fromCombined[0]!.anomalyMap, res[0]!.anomalyMap)).toBe(0);
    await expect(det3.detect(photo, 'screw')).rejects.toThrow('no anchors for class "screw" (known: bottle)');

    x.dispose();
    for (const d of [det, det2, det3]) d.dispose();
    expect(liveTensors()).toBe(start);
  });

  it('fails cleanly (no tensors left) without adapters, or without anchors and tokenizer', async () => {
    const start = liveTensors();
    const fetch = fakeFetch(files, 1 << 20);
    const base = { backend: false as const, cache: false, fetch, visionHeads: 4, textHeads: 4 };
    await expect(createWebDetector({ ...base, modelUrl: `${BASE}clip-openai.safetensors` })).rejects.toThrow(
      `createWebDetector: ${BASE}clip-openai.safetensors holds no image_adapter.* weights; give adapterUrl (an AA-CLIP checkpoint)`,
    );
    await expect(createWebDetector({ ...base, modelUrl: `${BASE}clip-openai.safetensors`, adapterUrl: `${BASE}adapters.safetensors` })).rejects.toThrow(
      'createDetector: give `anchors`, or a `tokenizer` (and a text tower) to compute them from class names',
    );
    await expect(createWebDetector({ ...base, modelUrl: `${BASE}nope.safetensors`, adapterUrl: `${BASE}adapters.safetensors` })).rejects.toThrow(
      `loadWeights: ${BASE}nope.safetensors: HTTP 404 Not Found`,
    );
    await expect(createWebDetector({ ...base, modelUrl: '' })).rejects.toThrow('createWebDetector: modelUrl must be a non-empty string, got ""');
    await expect(
      createWebDetector({ ...base, modelUrl: `${BASE}clip-openai.safetensors`, adapterUrl: `${BASE}adapters.safetensors`, tokenizerUrl: `${BASE}bpe_simple_vocab_16e6.txt.gz`, imageSize: 0 }),
    ).rejects.toThrow('createWebDetector: imageSize must be a positive integer, got 0');
    expect(liveTensors()).toBe(start);
  });
});

describe('loadClipFromUrl', () => {
  const pooled = (clip: ClipModel): Float32Array => {
    const x = images();
    const out = clip.encodeImage(x);
    const v = out.pooled!.dataSync() as Float32Array;
    tf.dispose([x, out.pooled!, ...out.tokens.values()]);
    return v;
  };

  it('loads OpenAI, Hugging Face and TorchScript files to the same model, matching the reference', async () => {
    const fetch = fakeFetch(files, 1 << 20);
    const refPooled = expected.get('image.pooled')!.data as Float64Array;
    let first: Float32Array | null = null;
    for (const name of ['clip-openai.safetensors', 'clip-hf.safetensors', 'clip-openai-jit.pt']) {
      const r = await loadClipFromUrl(`${BASE}${name}`, { fetch, cache: false, visionHeads: 4, textHeads: 4 });
      expect(r.config.vision).toEqual({ imageSize: 112, patchSize: 14, width: 64, layers: 24, heads: 4 });
      expect(r.config.text?.heads).toBe(4);
      const p = pooled(r.clip);
      expect(maxDiff(p, refPooled)).toBeLessThan(1e-4);
      if (first) expect(maxDiff(p, first)).toBeLessThan(1e-5);
      first ??= p;
      r.clip.dispose();
    }
  });

  it('uploads fp16 safetensors as float32 (the fp16-rounded weights, exactly)', async () => {
    const src = readSafetensors(files[`${BASE}clip-openai.safetensors`]!).tensors;
    const half = new Map([...src].map(([k, t]) => [k, { dtype: 'float16' as const, shape: t.shape, data: t.data }]));
    const bytes = writeSafetensors(half);
    const r = await loadClipFromUrl(`${BASE}clip-fp16.safetensors`, { fetch: fakeFetch({ [`${BASE}clip-fp16.safetensors`]: bytes }), cache: false, visionHeads: 4, textHeads: 4 });
    expect(r.format).toBe('safetensors');
    const rounded = new Map([...src].map(([k, t]) => [k, { ...t, data: halfToFloat32(float32ToHalfBytes(t.data as Float32Array), t.data.length) }]));
    const norm = normalizeClipStateDict(rounded, { visionHeads: 4, textHeads: 4 });
    const ref = ClipModel.fromWeights(norm.tensors, norm.config);
    expect(maxDiff(pooled(r.clip), pooled(ref))).toBe(0);
    r.clip.dispose();
    ref.dispose();
  });
});

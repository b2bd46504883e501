// The browser's createDetector, with fake fetch and Cache Storage: the same numbers as the
// deprecated createWebDetector (bit for bit on the test's backend), browser-style and decoded
// images preprocessed in core, the bundle's defaults read from the file's metadata.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { preprocessImage, type Detection, type RawImage } from '@aaclip/core';
import { readSafetensors, writeSafetensors } from '@aaclip/core/weights';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../test-utils/fixtures';
import { nchwToNhwc } from '../../../test-utils/read-safetensors-lite';
import { FakeCaches, fakeFetch } from '../../../test-utils/web-fakes';
import { createDetector } from './create-detector';
import { liveTensors } from './memory';
import { createWebDetector } from './web-detector';

const BASE = 'https://models.test/';
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(fixture(name)));
const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const inputs = readSafetensors(file('inputs.safetensors')).tensors;
const im = inputs.get('images')!;
const S = im.shape[2]!;
const images = (): tf.Tensor4D => tf.tensor4d(nchwToNhwc(im.data as Float32Array, im.shape), [2, S, S, 3]);
const photo: RawImage = { width: 30, height: 20, channels: 3, data: Uint8Array.from({ length: 1800 }, (_, i) => (i * 53 + (i >> 4)) & 255) };
const photo2: RawImage = { width: 17, height: 25, channels: 3, data: Uint8Array.from({ length: 1275 }, (_, i) => (i * 31 + 7) & 255) };

const files: Record<string, Uint8Array> = {
  [`${BASE}clip-openai.safetensors`]: file('clip-openai.safetensors'),
  [`${BASE}adapters.safetensors`]: file('adapters.safetensors'),
  [`${BASE}bpe_simple_vocab_16e6.txt.gz`]: new Uint8Array(readFileSync(bpeVocabPath)),
};

function expectIdentical(got: Detection[], want: Detection[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.size).toBe(want[i]!.size);
    expect(Buffer.compare(bytesOf(g.anomalyMap), bytesOf(want[i]!.anomalyMap))).toBe(0);
    expect(Buffer.compare(bytesOf(g.probabilityMap), bytesOf(want[i]!.probabilityMap))).toBe(0);
    expect(Object.is(g.score, want[i]!.score)).toBe(true);
  });
}

describe('createDetector (web)', () => {
  it('gives createWebDetector’s results for a tensor batch, decoded images and browser images, and frees everything', async () => {
    const start = liveTensors();
    const fetch = fakeFetch(files, 1 << 20);
    const cacheStorage = new FakeCaches();
    const common = { visionHeads: 4, textHeads: 4, prompts: { dataset: 'mvtec' }, fetch, cacheStorage };
    const old = await createWebDetector({ ...common, modelUrl: `${BASE}clip-openai.safetensors`, adapterUrl: `${BASE}adapters.safetensors`, tokenizerUrl: `${BASE}bpe_simple_vocab_16e6.txt.gz`, backend: false });
    const det = await createDetector({ ...common, model: `${BASE}clip-openai.safetensors`, adapters: `${BASE}adapters.safetensors`, vocab: `${BASE}bpe_simple_vocab_16e6.txt.gz`, device: false, classNames: ['bottle'] });
    expect(det.backend).toBeNull();
    expect(det.classes).toEqual(['bottle']);
    expect(det.imageSize).toBe(112); // the CLIP's native size
    expect(fetch.requests).toHaveLength(3); // the second build read every file from the cache

    const x = images();
    expectIdentical(await det.detect(x, { className: 'bottle' }), await old.detectBatch(x, 'bottle'));
    // decoded images, one or several: preprocessed in core to imageSize, as a hand-made batch
    const batch = new Float32Array(2 * 112 * 112 * 3);
    batch.set(preprocessImage(photo, 112), 0);
    batch.set(preprocessImage(photo2, 112), 112 * 112 * 3);
    const t = tf.tensor4d(batch, [2, 112, 112, 3]);
    const want = await old.detectBatch(t, 'bottle');
    expectIdentical(await det.detect([photo, photo2], { className: 'bottle' }), want);
    expectIdentical(await det.detect(photo2, { className: 'bottle' }), [want[1]!]);
    expectIdentical([await old.detect(photo2, 'bottle')], [want[1]!]);
    // a browser image (ImageData-shaped)
    const rgba = new Uint8ClampedArray(30 * 20 * 4);
    for (let p = 0; p < 600; p++) rgba.set([photo.data[p * 3]!, photo.data[p * 3 + 1]!, photo.data[p * 3 + 2]!, 255], p * 4);
    expectIdentical(await det.detect({ data: rgba, width: 30, height: 20 } as unknown as ImageData, { className: 'bottle' }), [want[0]!]);
    // an image URL is fetched with the detector's fetch (decoding needs a browser's createImageBitmap)
    await expect(det.detect(`${BASE}missing.png`, { className: 'bottle' })).rejects.toThrow(`image ${BASE}missing.png: HTTP 404`);
    tf.dispose([x, t]);

    det.dispose();
    det.dispose(); // idempotent
    old.dispose();
    expect(liveTensors()).toBe(start);
  });

  it('takes the model as bytes, with its adapters, anchors and image_size inside, and names bad options', async () => {
    const start = liveTensors();
    const clip = readSafetensors(file('clip-openai.safetensors'));
    const adapters = readSafetensors(file('adapters.safetensors'));
    const first = await createDetector({ model: `${BASE}clip-openai.safetensors`, adapters: `${BASE}adapters.safetensors`, vocab: `${BASE}bpe_simple_vocab_16e6.txt.gz`, visionHeads: 4, textHeads: 4, device: false, cache: false, fetch: fakeFetch(files, 1 << 20), classNames: ['bottle'] });
    const anchors = first.detector.exportAnchors().get('bottle')!;
    const combined = new Map<string, unknown>([...clip.tensors, ...adapters.tensors, ['anchors.bottle', { dtype: 'float32' as const, shape: anchors.shape, data: anchors.data }]]);
    const bytes = writeSafetensors(combined as never, { clip_config: JSON.stringify({ vision: { heads: 4 }, text: { heads: 4 } }), image_size: String(S) });
    const det = await createDetector({ model: bytes, device: false });
    expect(det.imageSize).toBe(S); // from the image_size metadata
    expect(det.classes).toEqual(['bottle']);
    const x = images();
    expectIdentical(await det.detect(x, { className: 'bottle' }), await first.detect(x, { className: 'bottle' }));
    x.dispose();
    await expect(det.detect(photo, { className: 'screw' })).rejects.toThrow('no anchors for class "screw" (known: bottle)');
    await expect(createDetector({ model: '' })).rejects.toThrow('createDetector: model must be a URL, hf: reference or the bytes of a model file, got ""');
    await expect(createDetector({ model: bytes, imageSize: 0, device: false })).rejects.toThrow('createDetector: imageSize must be a positive integer, got 0');
    await expect(createDetector({ model: file('clip-openai.safetensors'), device: false, visionHeads: 4, textHeads: 4 })).rejects.toThrow('createDetector: model (bytes) holds no image_adapter.* weights; give adapters (an AA-CLIP checkpoint)');
    det.dispose();
    first.dispose();
    expect(liveTensors()).toBe(start);
  });
});

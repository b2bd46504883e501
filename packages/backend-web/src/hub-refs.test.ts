import { afterEach, describe, expect, it } from 'vitest';
import { clipHfTokenizerFiles } from '../../../test-utils/mock-hub';
import { loadCheckpointFromUrl, loadTokenizerFromUrl } from './load-model';
import { loadWeights } from './load-weights';

function recordingFetch(body: () => Uint8Array): { urls: string[]; fetch: (url: string) => Promise<Response> } {
  const urls: string[] = [];
  return { urls, fetch: async (url: string) => (urls.push(url), new Response(body() as Uint8Array<ArrayBuffer>, { status: 200 })) };
}

afterEach(() => {
  delete (globalThis as { location?: unknown }).location;
});

describe('model references in the browser', () => {
  it('hf: references and aliases resolve to Hub URLs, the role picking the file', async () => {
    const f = recordingFetch(() => new Uint8Array([1, 2, 3]));
    expect(Array.from(await loadWeights('hf:a/b@v1/sub/x.bin', { fetch: f.fetch, cacheStorage: null }))).toEqual([1, 2, 3]);
    await loadWeights('ViT-B-16', { fetch: f.fetch, cacheStorage: null, hubEndpoint: 'https://hf-mirror.example/' });
    await loadCheckpointFromUrl('hf:user/aaclip-visa', { fetch: f.fetch, cacheStorage: null }).catch(() => undefined); // 3 bytes are no checkpoint: only the URL matters here
    expect(f.urls).toEqual([
      'https://huggingface.co/a/b/resolve/v1/sub/x.bin',
      'https://hf-mirror.example/openai/clip-vit-base-patch16/resolve/main/model.safetensors',
      'https://huggingface.co/user/aaclip-visa/resolve/main/adapters.safetensors',
    ]);
  });

  it('a tokenizer by repository name reads its tokenizer.json', async () => {
    const hf = clipHfTokenizerFiles();
    const dec = new TextDecoder();
    const merges = dec.decode(hf['merges.txt']).split('\n').slice(1).filter(Boolean);
    const tokenizerJson = new TextEncoder().encode(JSON.stringify({ model: { type: 'BPE', vocab: JSON.parse(dec.decode(hf['vocab.json'])), merges } }));
    const f = recordingFetch(() => tokenizerJson);
    const tok = await loadTokenizerFromUrl('hf:openai/clip-vit-base-patch16', { fetch: f.fetch, cacheStorage: null });
    expect(f.urls).toEqual(['https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/tokenizer.json']);
    expect(Array.from(tok.tokenize(['a photo of a bottle']).slice(0, 7))).toEqual([49406, 320, 1125, 539, 320, 5392, 49407]);
  });

  it('explains a failed cross-origin fetch, and rejects malformed references with the accepted forms', async () => {
    (globalThis as { location?: unknown }).location = { origin: 'https://app.example', href: 'https://app.example/index.html' };
    const failing = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    const err = (await loadWeights('hf:openai/clip-vit-base-patch16', { fetch: failing, cacheStorage: null }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('fetching hf:openai/clip-vit-base-patch16 failed: Failed to fetch. https://huggingface.co is another origin than this page (https://app.example)');
    expect(err.message).toContain('Access-Control-Allow-Origin (CORS)');
    const same = (await loadWeights('/models/clip.safetensors', { fetch: failing, cacheStorage: null }).catch((e: unknown) => e)) as Error;
    expect(same.message).toBe('loadWeights: fetching /models/clip.safetensors failed: Failed to fetch.');
    await expect(loadWeights('hf:a/b@', { fetch: failing, cacheStorage: null })).rejects.toThrow('invalid model reference "hf:a/b@": the revision after "@" is empty. Accepted forms');
  });
});

import { readFileSync } from 'node:fs';
import { createClipTokenizerFromBpeGz } from '@aaclip/core';
import { readSafetensors } from '@aaclip/core/weights';
import { describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture } from '../../../test-utils/fixtures';
import { loadCheckpointFromUrl, loadTokenizerFromUrl } from './load-model';
import type { FetchLike } from './load-weights';

const BASE = 'https://models.test/';

/** Serves fixture files (and inline bytes) by URL. */
function serve(files: Record<string, Uint8Array<ArrayBuffer>>): FetchLike {
  return async (url) => {
    const data = files[url.slice(BASE.length)];
    return data ? new Response(data, { headers: { 'content-length': String(data.length) } }) : new Response('', { status: 404, statusText: 'Not Found' });
  };
}

const file = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(fixture(name)));

describe('loadCheckpointFromUrl', () => {
  const fetch = serve({ 'adapters.safetensors': file('adapters.safetensors'), 'text_adapter.pth': file('text_adapter.pth'), 'image_adapter_1.pth': file('image_adapter_1.pth') });
  const reference = readSafetensors(file('adapters.safetensors')).tensors;

  it('merges the official .pth pair into the same adapters as the safetensors file', async () => {
    const fromPth = await loadCheckpointFromUrl([`${BASE}text_adapter.pth`, `${BASE}image_adapter_1.pth`], { fetch, cache: false });
    const fromSt = await loadCheckpointFromUrl(`${BASE}adapters.safetensors`, { fetch, cache: false });
    expect([...fromPth.adapters.keys()].sort()).toEqual([...reference.keys()].sort());
    expect([...fromSt.adapters.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [k, t] of reference) {
      expect(fromPth.adapters.get(k)!.shape).toEqual(t.shape);
      expect(Array.from(fromPth.adapters.get(k)!.data)).toEqual(Array.from(t.data as Float32Array));
    }
    expect(fromSt.anchors.size).toBe(0);
  });

  it('names the URL in errors', async () => {
    await expect(loadCheckpointFromUrl([], { fetch })).rejects.toThrow('loadCheckpointFromUrl: no URL given');
    await expect(loadCheckpointFromUrl(`${BASE}missing.pth`, { fetch, cache: false })).rejects.toThrow(`loadWeights: ${BASE}missing.pth: HTTP 404 Not Found`);
    const junk = serve({ 'junk.bin': new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
    await expect(loadCheckpointFromUrl(`${BASE}junk.bin`, { fetch: junk, cache: false })).rejects.toThrow(
      `${BASE}junk.bin: detectWeightFormat: not a safetensors file or torch zip archive (first bytes 01 02 03 04 05 06 07 08)`,
    );
  });
});

describe('loadTokenizerFromUrl', () => {
  it('builds the CLIP tokenizer from the gzip BPE vocabulary', async () => {
    const gz = new Uint8Array(readFileSync(bpeVocabPath));
    const tok = await loadTokenizerFromUrl(`${BASE}bpe.txt.gz`, { fetch: serve({ 'bpe.txt.gz': gz }), cache: false, contextLength: 16 });
    const ref = createClipTokenizerFromBpeGz(gz, { contextLength: 16 });
    const text = ['a photo of a dark bottle with flaw.'];
    const ids = tok.tokenize(text);
    expect(Array.from(ids)).toEqual(Array.from(ref.tokenize(text)));
    expect(ids).toHaveLength(16);
    expect(ids[0]).toBe(49406); // <|startoftext|>
    expect(Array.from(ids)).toContain(49407); // <|endoftext|>
  });

  it('rejects bytes that are neither gzip nor tokenizer.json', async () => {
    const fetch = serve({ 'merges.txt': new TextEncoder().encode('#version: 0.2\ni n\n') });
    await expect(loadTokenizerFromUrl(`${BASE}merges.txt`, { fetch, cache: false })).rejects.toThrow(
      `${BASE}merges.txt: not a gzip BPE vocabulary (bpe_simple_vocab_16e6.txt.gz) nor a tokenizer.json (first bytes 23 76 65 72)`,
    );
  });
});

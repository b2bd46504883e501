import { describe, expect, it } from 'vitest';
import { formatAAClipCard, chooseAdapterFiles, chooseTokenizerFiles, chooseWeightFile, parseAAClipCard, shardFilesOfIndex } from './hub-files';
import { hubFileUrl, hubRefFromUrl, hubRevisionApiUrl } from './hub-url';
import { ModelRefError, formatHubReference, parseModelRef } from './model-ref';
import { resolveReferenceUrl } from './resolve-url';

describe('parseModelRef', () => {
  it('reads hf: references with revision and file', () => {
    expect(parseModelRef('hf:openai/clip-vit-large-patch14-336')).toEqual({ kind: 'hf', repo: 'openai/clip-vit-large-patch14-336', revision: 'main', source: 'hf:openai/clip-vit-large-patch14-336' });
    expect(parseModelRef('hf:a/b@v1.0')).toMatchObject({ repo: 'a/b', revision: 'v1.0' });
    expect(parseModelRef('hf:a/b@v1.0/sub/x.safetensors')).toMatchObject({ repo: 'a/b', revision: 'v1.0', file: 'sub/x.safetensors' });
    expect(parseModelRef('hf:a/b/x.pth')).toMatchObject({ repo: 'a/b', revision: 'main', file: 'x.pth' });
    expect(parseModelRef('hf:a/b@refs/pr/12/model.safetensors')).toMatchObject({ revision: 'refs/pr/12', file: 'model.safetensors' });
  });

  it('maps aliases to CLIP repositories', () => {
    expect(parseModelRef('ViT-L-14-336')).toMatchObject({ kind: 'hf', repo: 'openai/clip-vit-large-patch14-336', revision: 'main', alias: 'ViT-L-14-336' });
    expect(parseModelRef('ViT-B-16')).toMatchObject({ repo: 'openai/clip-vit-base-patch16' });
    expect(parseModelRef('ViT-B-32')).toMatchObject({ repo: 'openai/clip-vit-base-patch32' });
    expect(parseModelRef('ViT-L-14')).toMatchObject({ repo: 'openai/clip-vit-large-patch14' });
  });

  it('keeps paths and URLs', () => {
    expect(parseModelRef('./clip.safetensors')).toEqual({ kind: 'local', path: './clip.safetensors', source: './clip.safetensors' });
    expect(parseModelRef('https://example.com/m.safetensors')).toMatchObject({ kind: 'url', url: 'https://example.com/m.safetensors' });
    expect(parseModelRef('file:///tmp/a%20b.pt')).toMatchObject({ kind: 'local', path: '/tmp/a b.pt' });
  });

  it.each([
    ['hf:', 'nothing after "hf:"'],
    ['hf:/x', 'the owner before "/" is empty'],
    ['hf:a/b@', 'the revision after "@" is empty'],
    ['hf:a', 'a repository is owner/name'],
    ['hf:a/', 'the repository name is empty'],
    ['hf:a/b/', 'the file after "owner/name/" is empty'],
    ['hf:a/b/../x', '".." path segment'],
    ['hf:a--x/b', 'no "--" or ".."'],
    ['HF:a/b', 'lower-case "hf:"'],
  ])('rejects %s with the accepted forms', (ref, reason) => {
    let err: unknown;
    try {
      parseModelRef(ref);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelRefError);
    const msg = (err as Error).message;
    expect(msg).toContain(JSON.stringify(ref));
    expect(msg).toContain(reason);
    expect(msg).toContain('hf:owner/name@revision/file');
    expect(msg).toContain('ViT-L-14-336');
  });

  it('formats references back', () => {
    expect(formatHubReference({ repo: 'a/b', revision: 'main', file: 'x.pth' })).toBe('hf:a/b/x.pth');
    expect(formatHubReference({ repo: 'a/b', revision: 'v2' })).toBe('hf:a/b@v2');
  });
});

describe('Hub URLs', () => {
  it('builds resolve and API URLs as huggingface_hub does', () => {
    expect(hubFileUrl('openai/clip-vit-base-patch16', 'main', 'model.safetensors')).toBe('https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors');
    expect(hubFileUrl('a/b', 'refs/pr/1', 'sub dir/x.json', 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9/a/b/resolve/refs%2Fpr%2F1/sub%20dir/x.json');
    expect(hubRevisionApiUrl('a/b', 'main', 'https://hf-mirror.com')).toBe('https://hf-mirror.com/api/models/a/b/revision/main');
    expect(hubRefFromUrl('https://huggingface.co/a/b/resolve/refs%2Fpr%2F1/sub/x.json')).toEqual({ repo: 'a/b', revision: 'refs/pr/1', file: 'sub/x.json' });
    expect(hubRefFromUrl('https://example.com/a/b/resolve/main/x')).toBeNull();
  });

  it('resolves references to URLs for the browser', () => {
    expect(resolveReferenceUrl('ViT-B-16')).toBe('https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors');
    expect(resolveReferenceUrl('hf:u/aaclip-visa', 'adapters')).toBe('https://huggingface.co/u/aaclip-visa/resolve/main/adapters.safetensors');
    expect(resolveReferenceUrl('hf:openai/clip-vit-base-patch16', 'tokenizer', 'https://m.example')).toBe('https://m.example/openai/clip-vit-base-patch16/resolve/main/tokenizer.json');
    expect(resolveReferenceUrl('/models/clip.safetensors')).toBe('/models/clip.safetensors');
  });
});

describe('file choice', () => {
  it('picks the weights, tokenizer and adapters of a repository', () => {
    expect(chooseWeightFile(['pytorch_model.bin', 'model.safetensors', 'config.json'])).toBe('model.safetensors');
    expect(chooseWeightFile(['model-00001-of-00002.safetensors', 'model.safetensors.index.json'])).toBe('model.safetensors.index.json');
    expect(chooseWeightFile(['config.json'])).toBeNull();
    expect(chooseTokenizerFiles(['vocab.json', 'merges.txt', 'config.json'])).toEqual(['vocab.json', 'merges.txt']);
    expect(chooseTokenizerFiles(['tokenizer.json', 'vocab.json', 'merges.txt'])).toEqual(['tokenizer.json']);
    expect(chooseTokenizerFiles(['vocab.json'])).toEqual([]);
    expect(chooseAdapterFiles(['image_adapter_5.pth', 'text_adapter.pth', 'image_adapter_20.pth'])).toEqual(['text_adapter.pth', 'image_adapter_20.pth']);
    expect(chooseAdapterFiles(['adapters.safetensors', 'text_adapter.pth'])).toEqual(['adapters.safetensors']);
    expect(chooseAdapterFiles(['x.safetensors'], { format: 'aaclip-bundle', version: 1, base: 'ViT-B-16', files: { adapters: 'x.safetensors' } })).toEqual(['x.safetensors']);
  });

  it('reads shard indexes and cards, naming the file in errors', () => {
    expect(shardFilesOfIndex(JSON.stringify({ weight_map: { a: 'm-1.safetensors', b: 'm-2.safetensors', c: 'm-1.safetensors' } }))).toEqual(['m-1.safetensors', 'm-2.safetensors']);
    expect(() => shardFilesOfIndex('{"weight_map":{"a":"../x"}}')).toThrow('model.safetensors.index.json: key "a" maps to an invalid file "../x"');
    expect(parseAAClipCard('{"format":"aaclip-bundle","version":1,"base":"ViT-L-14-336","imageSize":518}').imageSize).toBe(518);
    expect(() => parseAAClipCard('{"format":"aaclip-bundle","version":2,"base":"x"}', 'hf:u/r/aaclip.json')).toThrow('hf:u/r/aaclip.json: unsupported "version" 2');
    expect(() => parseAAClipCard('{', 'c.json')).toThrow('c.json: not valid JSON');
    const card = formatAAClipCard({ base: 'hf:openai/clip-vit-large-patch14-336', trainingData: 'VisA', imageSize: 518, metrics: { mvtec: { imageAuroc: 90.1 } } });
    expect(parseAAClipCard(card)).toEqual({ format: 'aaclip-bundle', version: 1, base: 'hf:openai/clip-vit-large-patch14-336', trainingData: 'VisA', imageSize: 518, metrics: { mvtec: { imageAuroc: 90.1 } } });
    expect(() => formatAAClipCard({ base: '' })).toThrow('"base" (the CLIP model reference) must be a non-empty string');
  });
});

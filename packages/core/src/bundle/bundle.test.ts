// The model bundle's pure rules: the one weight sniffer, checkpoint merging, the defaults
// (image size, CLIP options, tokenizer) and the vocabulary files told apart by content.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AAClipCheckpoint } from '../aaclip/checkpoint';
import { WeightFormatError } from '../weights/weight-format-error';
import { isSafetensorsHead, sniffWeightFormat } from '../weights/sniff-weight-format';
import { bundleClipOptions, bundleImageSize, bundleTokenizerConfig, hasImageAdapters } from './bundle-defaults';
import { mergeCheckpoints } from './checkpoint-merge';
import { tokenizerFilesOf } from './tokenizer-files';

const te = new TextEncoder();
/** A safetensors head: u64 header length, then the header's first bytes. */
function safetensorsHead(n: number, text = '{"a":{}}'): Uint8Array {
  const b = new Uint8Array(8 + text.length);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  b.set(te.encode(text), 8);
  return b;
}
const tensor = (v: number) => ({ shape: [1], data: Float32Array.of(v) });
function ck(parts: Partial<AAClipCheckpoint>): AAClipCheckpoint {
  return { adapters: new Map(), anchors: new Map(), ...parts };
}

describe('sniffWeightFormat', () => {
  it('tells a zip archive and a safetensors header apart, and bounds the header by the file size when known', () => {
    expect(sniffWeightFormat(Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0))).toBe('torch-zip');
    expect(sniffWeightFormat(safetensorsHead(8))).toBe('safetensors');
    expect(sniffWeightFormat(safetensorsHead(8), 'm.safetensors', 100)).toBe('safetensors');
    // a header length at or past the file's end is not safetensors when the size is known...
    expect(() => sniffWeightFormat(safetensorsHead(100), 'm.safetensors', 100)).toThrow(WeightFormatError);
    // ...and is left to the reader (TRUNCATED) when only the head is known
    expect(sniffWeightFormat(safetensorsHead(100))).toBe('safetensors');
    expect(isSafetensorsHead(safetensorsHead(100), 50)).toBe(false);
    expect(isSafetensorsHead(safetensorsHead(1))).toBe(false); // '{}' is the shortest header
    expect(isSafetensorsHead(safetensorsHead(2 ** 50))).toBe(false); // >= 2^48: not a header length
  });

  it('names the file and the first bytes of anything else, with code NOT_RECOGNIZED', () => {
    let err: unknown;
    try {
      sniffWeightFormat(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 'x.bin', 10);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeightFormatError);
    expect((err as WeightFormatError).code).toBe('NOT_RECOGNIZED');
    expect((err as Error).message).toBe('x.bin: not a safetensors file or torch zip archive (first bytes 01 02 03 04 05 06 07 08)');
  });
});

describe('mergeCheckpoints', () => {
  it('later tensors replace earlier ones; configs, calibration and extra keys come from the first file that has them', () => {
    const a = ck({ adapters: new Map([['text_adapter.0.weight', tensor(1)]]), extra: { tokenizer: 'A' }, calibration: { version: 1, domain: 'industrial', size: 8, classes: {} } as never });
    const b = ck({
      adapters: new Map([['text_adapter.0.weight', tensor(2)], ['image_adapter.0.weight', tensor(3)]]),
      anchors: new Map([['bottle', tensor(4)]]),
      aaclipConfig: { levels: [6] } as never,
      extra: { tokenizer: 'B', image_size: '518' },
      calibration: { version: 1, domain: 'medical', size: 8, classes: {} } as never,
    });
    const m = mergeCheckpoints([a, b]);
    expect(m).toBe(a);
    expect(m.adapters.get('text_adapter.0.weight')!.data[0]).toBe(2);
    expect(m.adapters.get('image_adapter.0.weight')!.data[0]).toBe(3);
    expect(m.anchors.get('bottle')!.data[0]).toBe(4);
    expect(m.aaclipConfig).toEqual({ levels: [6] });
    expect(m.extra).toEqual({ tokenizer: 'A', image_size: '518' });
    expect(m.calibration?.domain).toBe('industrial');
    expect(hasImageAdapters(m)).toBe(true);
    expect(hasImageAdapters(ck({}))).toBe(false);
    expect(() => mergeCheckpoints([], 'adapters')).toThrow('adapters: no adapter file given');
  });
});

describe('bundle defaults', () => {
  it('image size: requested, else the adapters’ image_size, else the model’s, else the native size', () => {
    expect(bundleImageSize(336, ck({ extra: { image_size: '518' } }), { image_size: '224' }, 112)).toBe(336);
    expect(bundleImageSize(undefined, ck({ extra: { image_size: '518' } }), { image_size: '224' }, 112)).toBe(518);
    expect(bundleImageSize(undefined, ck({}), { image_size: '224' }, 112)).toBe(224);
    expect(bundleImageSize(undefined, null, { image_size: 'big' }, 112)).toBe(112);
    expect(() => bundleImageSize(0, null, {}, 112)).toThrow('imageSize must be a positive integer, got 0');
  });

  it('CLIP options: the caller’s, else the adapters’ clip_config', () => {
    const c = ck({ clipConfig: { vision: { heads: 16 }, text: { heads: 12 }, activation: 'quick_gelu' } as never });
    expect(bundleClipOptions({ visionHeads: 4, inferenceOnly: true }, c)).toEqual({ visionHeads: 4, textHeads: 12, activation: 'quick_gelu', inferenceOnly: true });
    expect(bundleClipOptions({}, null)).toEqual({ visionHeads: undefined, textHeads: undefined, activation: undefined, inferenceOnly: undefined });
  });

  it('tokenizer: the model file’s description, else the adapters’, errors naming the file and the key', () => {
    const byte = JSON.stringify({ type: 'byte', contextLength: 64, sot: 257, eot: 258, pad: 0 });
    expect(bundleTokenizerConfig({ tokenizer: byte }, 'm.safetensors', null, 'a.safetensors')?.type).toBe('byte');
    expect(bundleTokenizerConfig({}, 'm.safetensors', ck({ extra: { tokenizer: byte } }), 'a.safetensors')?.type).toBe('byte');
    expect(bundleTokenizerConfig({}, 'm.safetensors', null, 'a.safetensors')).toBeNull();
    expect(() => bundleTokenizerConfig({ tokenizer: '{' }, 'm.safetensors', null, 'a')).toThrow(/^m\.safetensors: metadata key "tokenizer" is not valid JSON/);
    expect(() => bundleTokenizerConfig({}, 'm', ck({ extra: { tokenizer: '{"type":"nope"}' } }), 'a.safetensors')).toThrow(/^a\.safetensors: metadata key "tokenizer": /);
  });

  it('vocabulary files by content: gzip, tokenizer.json, vocab.json + merges.txt', () => {
    const gz = new Uint8Array(gzipSync(Buffer.from('#version\n')));
    expect(tokenizerFilesOf([{ name: 'https://x/bpe?dl=1', bytes: gz }])).toEqual({ bpeVocabGz: gz });
    const json = te.encode('\ufeff {"model": {}}');
    expect(tokenizerFilesOf([{ name: 'tok', bytes: json }])).toEqual({ tokenizerJson: json });
    const vocab = te.encode('{"a</w>": 0}');
    const merges = te.encode('#version: 0.2\na b\n');
    expect(tokenizerFilesOf([{ name: 'dir/vocab.json', bytes: vocab }, { name: 'dir/merges.txt', bytes: merges }])).toEqual({ vocabJson: vocab, mergesTxt: merges });
    expect(() => tokenizerFilesOf([{ name: 'dir/merges.txt', bytes: merges }])).toThrow('dir/merges.txt: not a gzip BPE vocabulary (bpe_simple_vocab_16e6.txt.gz) nor a tokenizer.json (first bytes 23 76 65 72)');
  });
});

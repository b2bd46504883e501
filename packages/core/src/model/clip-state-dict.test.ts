import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { hfNameOf } from './clip-hf-names';
import { normalizeClipStateDict } from './clip-state-dict';
import type { NamedTensor, TensorMap } from '../weights/named-tensor';
import { readSafetensors } from '../weights/safetensors-reader';
import { readTorchCheckpoint } from '../weights/torch-zip';
import { readTorchScriptParameters } from '../weights/torchscript';

const load = (name: string): Uint8Array => readFileSync(fixture(name));
const openai = (): TensorMap => readSafetensors(load('clip-openai.safetensors')).tensors;
const hf = (): TensorMap => readSafetensors(load('clip-hf.safetensors')).tensors;
const heads = { visionHeads: 4, textHeads: 4 };

const EXPECTED_CONFIG = {
  embedDim: 32,
  vision: { imageSize: 112, patchSize: 14, width: 64, layers: 24, heads: 4 },
  text: { contextLength: 77, vocabSize: 49408, width: 32, heads: 4, layers: 12 },
  activation: 'gelu',
};

const f32 = (shape: number[]): NamedTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)), sourceDtype: 'F32' });

describe('normalizeClipStateDict on the fixtures', () => {
  it('gives bit-identical tensors and the same config for all four files', () => {
    const sources: [string, TensorMap][] = [
      ['openai safetensors', openai()],
      ['hf safetensors', hf()],
      ['torch.save .pt', readTorchCheckpoint(load('clip-openai.pt')).tensors],
      ['TorchScript .pt', readTorchScriptParameters(load('clip-openai-jit.pt'))],
    ];
    const results = sources.map(([name, t]) => [name, normalizeClipStateDict(t, heads)] as const);
    const [, ref] = results[0]!;
    expect(ref.config).toEqual(EXPECTED_CONFIG);
    expect(ref.tensors.size).toBe(446);
    expect(ref.tensors.get('logit_scale')!.shape).toEqual([]);
    for (const [name, r] of results) {
      expect(r.config, name).toEqual(EXPECTED_CONFIG);
      expect(r.unusedKeys, name).toEqual([]);
      expect([...r.tensors.keys()].sort(), name).toEqual([...ref.tensors.keys()].sort());
      for (const [k, t] of ref.tensors) {
        const a = r.tensors.get(k)!;
        expect(a.dtype).toBe('float32');
        expect(a.shape, `${name} ${k}`).toEqual(t.shape);
        const x = a.data as Float32Array;
        const y = t.data as Float32Array;
        if (Buffer.compare(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), new Uint8Array(y.buffer, y.byteOffset, y.byteLength)) !== 0) {
          throw new Error(`${name}: tensor ${k} differs from the OpenAI safetensors`);
        }
      }
    }
    expect(results[1]![1].format).toBe('hf');
    expect(results[0]![1].format).toBe('openai');
  });

  it('concatenates HF q/k/v rows and transposes the projections', () => {
    const h = hf();
    const r = normalizeClipStateDict(h, heads).tensors;
    const inProj = r.get('visual.transformer.resblocks.7.attn.in_proj_weight')!;
    expect(inProj.shape).toEqual([192, 64]);
    const k = h.get('vision_model.encoder.layers.7.self_attn.k_proj.weight')!.data;
    expect(inProj.data.subarray(64 * 64, 128 * 64)).toEqual(k);
    const proj = r.get('visual.proj')!;
    const hfProj = h.get('visual_projection.weight')!;
    expect(hfProj.shape).toEqual([32, 64]);
    expect(proj.shape).toEqual([64, 32]);
    expect(proj.data[5 * 32 + 3]).toBe(hfProj.data[3 * 64 + 5]);
  });

  it('defaults heads to width / 64 (at least 1) and takes the activation option', () => {
    const r = normalizeClipStateDict(openai(), { activation: 'quick_gelu' });
    expect(r.config.vision.heads).toBe(1);
    expect(r.config.text!.heads).toBe(1);
    expect(r.config.activation).toBe('quick_gelu');
  });

  it('strips module. and state_dict. prefixes and reports unused keys', () => {
    const src: TensorMap = new Map();
    for (const [k, t] of openai()) src.set(k.startsWith('visual.') ? `state_dict.module.${k}` : `module.${k}`, t);
    src.set('module.attn_mask', f32([77, 77]));
    const r = normalizeClipStateDict(src, heads);
    expect(r.config).toEqual(EXPECTED_CONFIG);
    expect(r.tensors.has('visual.conv1.weight')).toBe(true);
    expect(r.unusedKeys).toEqual(['module.attn_mask']);
  });

  it('accepts vision-only checkpoints', () => {
    const src: TensorMap = new Map([...openai()].filter(([k]) => k.startsWith('visual.')));
    const r = normalizeClipStateDict(src, heads);
    expect(r.config.text).toBeUndefined();
    expect(r.config.vision).toEqual(EXPECTED_CONFIG.vision);
    expect(r.config.embedDim).toBe(32);
    expect(r.tensors.size).toBe(src.size);
  });

  it('rounds float64 weights to float32', () => {
    const src: TensorMap = new Map();
    for (const [k, t] of openai()) src.set(k, { ...t, dtype: 'float64', data: Float64Array.from(t.data as Float32Array), sourceDtype: 'F64' });
    const r = normalizeClipStateDict(src, heads);
    expect(r.tensors.get('visual.proj')!.data).toEqual(openai().get('visual.proj')!.data);
  });
});

describe('normalizeClipStateDict errors', () => {
  it('names a missing key and its expected shape', () => {
    const src = openai();
    src.delete('visual.transformer.resblocks.5.ln_2.bias');
    expect(() => normalizeClipStateDict(src, heads)).toThrow(
      "missing key 'visual.transformer.resblocks.5.ln_2.bias', expected shape [64]",
    );
  });

  it('names a wrong shape with both shapes', () => {
    const src = openai();
    src.set('visual.transformer.resblocks.3.attn.in_proj_weight', f32([191, 64]));
    expect(() => normalizeClipStateDict(src, heads)).toThrow(
      "key 'visual.transformer.resblocks.3.attn.in_proj_weight' has shape [191, 64], expected [192, 64]",
    );
    const text = openai();
    text.set('text_projection', f32([32, 16]));
    expect(() => normalizeClipStateDict(text, heads)).toThrow("key 'text_projection' has shape [32, 16], expected [32, 32]");
    const mlp = openai();
    mlp.set('transformer.resblocks.4.mlp.c_proj.weight', f32([32, 64]));
    expect(() => normalizeClipStateDict(mlp, heads)).toThrow(
      "key 'transformer.resblocks.4.mlp.c_proj.weight' has shape [32, 64], expected [32, 128]",
    );
  });

  it('names Hugging Face keys in HF errors', () => {
    const missingK = hf();
    missingK.delete('vision_model.encoder.layers.2.self_attn.k_proj.weight');
    expect(() => normalizeClipStateDict(missingK, heads)).toThrow(
      "missing key 'vision_model.encoder.layers.2.self_attn.k_proj.weight' (needed for 'visual.transformer.resblocks.2.attn.in_proj_weight')",
    );
    const badNorm = hf();
    badNorm.set('vision_model.encoder.layers.4.layer_norm1.weight', f32([63]));
    expect(() => normalizeClipStateDict(badNorm, heads)).toThrow(
      "key 'vision_model.encoder.layers.4.layer_norm1.weight' (OpenAI name 'visual.transformer.resblocks.4.ln_1.weight') has shape [63], expected [64]",
    );
    const missingPost = hf();
    missingPost.delete('vision_model.post_layernorm.weight');
    expect(() => normalizeClipStateDict(missingPost, heads)).toThrow(
      "missing key 'vision_model.post_layernorm.weight' (OpenAI name 'visual.ln_post.weight'), expected shape [64]",
    );
    const withIds = hf();
    withIds.set('text_model.embeddings.position_ids', { dtype: 'int64', shape: [1, 77], data: new BigInt64Array(77), sourceDtype: 'I64' });
    expect(normalizeClipStateDict(withIds, heads).unusedKeys).toEqual(['text_model.embeddings.position_ids']);
    const badV = hf();
    badV.set('text_model.encoder.layers.1.self_attn.v_proj.bias', f32([31]));
    expect(() => normalizeClipStateDict(badV, heads)).toThrow(
      "key 'text_model.encoder.layers.1.self_attn.v_proj.bias' has shape [31], expected [32] like 'text_model.encoder.layers.1.self_attn.q_proj.bias'",
    );
  });

  it('rejects gaps in the blocks, bad grids, bad heads and integer weights', () => {
    const gap = openai();
    for (const k of [...gap.keys()]) if (k.startsWith('transformer.resblocks.5.')) gap.delete(k);
    expect(() => normalizeClipStateDict(gap, heads)).toThrow("missing key 'transformer.resblocks.5.ln_1.weight': blocks present up to 11");
    const grid = openai();
    grid.set('visual.positional_embedding', f32([64, 64]));
    expect(() => normalizeClipStateDict(grid, heads)).toThrow("key 'visual.positional_embedding' has shape [64, 64], expected [g*g+1, 64]");
    expect(() => normalizeClipStateDict(openai(), { visionHeads: 3 })).toThrow('vision heads 3 must be a positive integer dividing the width 64');
    const ints = openai();
    ints.set('visual.class_embedding', { dtype: 'int32', shape: [64], data: new Int32Array(64), sourceDtype: 'I32' });
    expect(() => normalizeClipStateDict(ints, heads)).toThrow("key 'visual.class_embedding' has dtype int32 (I32), expected a floating-point tensor");
  });

  it('maps OpenAI names back to HF names for messages', () => {
    expect(hfNameOf('visual.ln_pre.bias')).toBe('vision_model.pre_layrnorm.bias');
    expect(hfNameOf('transformer.resblocks.3.mlp.c_fc.weight')).toBe('text_model.encoder.layers.3.mlp.fc1.weight');
    expect(hfNameOf('visual.transformer.resblocks.0.attn.in_proj_bias')).toBe('vision_model.encoder.layers.0.self_attn.{q,k,v}_proj.bias');
    expect(hfNameOf('text_projection')).toBe('text_projection.weight');
  });
});

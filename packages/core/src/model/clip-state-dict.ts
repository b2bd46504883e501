/**
 * Normalises CLIP weights from any supported naming (OpenAI / open_clip, with `module.` or
 * `state_dict.` prefixes; Hugging Face `CLIPModel`) to the OpenAI layout, checks every
 * shape and infers the {@link ClipConfig}.
 */
import type { ClipConfig, TextConfig, VisionConfig } from './clip-config';
import { convertHfClipNames, hfNameOf, looksLikeHfClip, type SourcedTensor } from './clip-hf-names';
import type { NamedTensor, TensorMap } from '../weights/named-tensor';

export interface NormalizeClipOptions {
  /** Attention heads of the vision tower (default width / 64, at least 1). */
  visionHeads?: number;
  /** Attention heads of the text tower (default width / 64, at least 1). */
  textHeads?: number;
  /** MLP activation recorded in the config (default 'gelu', exact erf GELU). */
  activation?: ClipConfig['activation'];
}

export interface NormalizedClip {
  /** float32 tensors under OpenAI names (float64 inputs are rounded to float32). */
  tensors: TensorMap;
  config: ClipConfig;
  /** Input keys (as given) that were not used. */
  unusedKeys: string[];
  /** The naming the input used. */
  format: 'openai' | 'hf';
}

function fail(msg: string): never {
  throw new Error(`normalizeClipStateDict: ${msg}`);
}

const fmt = (shape: readonly (number | undefined)[]): string => `[${shape.map((d) => d ?? '?').join(', ')}]`;

function stripPrefixes(key: string): string {
  let k = key;
  for (;;) {
    if (k.startsWith('module.')) k = k.slice(7);
    else if (k.startsWith('state_dict.')) k = k.slice(11);
    else return k;
  }
}

function asFloat32(key: string, t: NamedTensor): NamedTensor {
  if (t.dtype === 'float32') return t;
  if (t.dtype === 'float64') return { ...t, dtype: 'float32', data: Float32Array.from(t.data as Float64Array) };
  return fail(`key '${key}' has dtype ${t.dtype} (${t.sourceDtype}), expected a floating-point tensor`);
}

class Taker {
  readonly out: TensorMap = new Map();
  readonly used = new Set<string>();

  constructor(
    readonly source: Map<string, SourcedTensor>,
    readonly hf: boolean,
  ) {}

  has(key: string): boolean {
    return this.source.has(key);
  }

  label(key: string): string {
    const src = this.source.get(key);
    if (this.hf) return `'${src ? src.from.join("', '") : hfNameOf(key)}' (OpenAI name '${key}')`;
    return `'${src ? src.from[0] : key}'`;
  }

  /** Takes `key`, checking its shape against `expected` (undefined = any size). */
  take(key: string, expected: readonly (number | undefined)[]): NamedTensor {
    const src = this.source.get(key);
    if (!src) fail(`missing key ${this.label(key)}, expected shape ${fmt(expected)}`);
    const t = asFloat32(src.from[0]!, src.tensor);
    const ok = t.shape.length === expected.length && expected.every((d, i) => d === undefined || d === t.shape[i]);
    if (!ok) fail(`key ${this.label(key)} has shape ${fmt(t.shape)}, expected ${fmt(expected)}`);
    this.out.set(key, t);
    for (const f of src.from) this.used.add(f);
    return t;
  }

  /** Number of blocks `prefix<N>.` present (indices must be 0..N-1). */
  countBlocks(prefix: string): number {
    const indices = new Set<number>();
    for (const key of this.source.keys()) {
      const m = key.startsWith(prefix) ? /^(\d+)\./.exec(key.slice(prefix.length)) : null;
      if (m) indices.add(Number(m[1]));
    }
    const n = indices.size === 0 ? 0 : Math.max(...indices) + 1;
    for (let i = 0; i < n; i++) {
      if (!indices.has(i)) fail(`missing key ${this.label(`${prefix}${i}.ln_1.weight`)}: blocks present up to ${n - 1}`);
    }
    return n;
  }

  /** Checks `layers` residual blocks of width `w` (MLP hidden width taken from block 0). */
  blocks(prefix: string, layers: number, w: number): void {
    if (layers === 0) fail(`missing key ${this.label(`${prefix}0.ln_1.weight`)}: no transformer blocks`);
    const hidden = this.take(`${prefix}0.mlp.c_fc.weight`, [undefined, w]).shape[0]!;
    for (let i = 0; i < layers; i++) {
      const b = `${prefix}${i}.`;
      this.take(`${b}ln_1.weight`, [w]);
      this.take(`${b}ln_1.bias`, [w]);
      this.take(`${b}attn.in_proj_weight`, [3 * w, w]);
      this.take(`${b}attn.in_proj_bias`, [3 * w]);
      this.take(`${b}attn.out_proj.weight`, [w, w]);
      this.take(`${b}attn.out_proj.bias`, [w]);
      this.take(`${b}ln_2.weight`, [w]);
      this.take(`${b}ln_2.bias`, [w]);
      this.take(`${b}mlp.c_fc.weight`, [hidden, w]);
      this.take(`${b}mlp.c_fc.bias`, [hidden]);
      this.take(`${b}mlp.c_proj.weight`, [w, hidden]);
      this.take(`${b}mlp.c_proj.bias`, [w]);
    }
  }
}

function heads(width: number, given: number | undefined, what: string): number {
  const h = given ?? Math.max(1, Math.floor(width / 64));
  if (!Number.isSafeInteger(h) || h < 1 || width % h !== 0) {
    fail(`${what} heads ${h} must be a positive integer dividing the width ${width}${given === undefined ? ' (pass the heads option)' : ''}`);
  }
  return h;
}

function readVision(t: Taker, opts: NormalizeClipOptions): { vision: VisionConfig; embedDim: number } {
  const conv = t.take('visual.conv1.weight', [undefined, 3, undefined, undefined]);
  const [width, , patchSize, patchW] = conv.shape as [number, number, number, number];
  if (patchW !== patchSize) fail(`key ${t.label('visual.conv1.weight')} has shape ${fmt(conv.shape)}, expected a square kernel [${width}, 3, ${patchSize}, ${patchSize}]`);
  t.take('visual.class_embedding', [width]);
  const pos = t.take('visual.positional_embedding', [undefined, width]);
  const grid = Math.round(Math.sqrt(pos.shape[0]! - 1));
  if (grid < 1 || grid * grid + 1 !== pos.shape[0]) {
    fail(`key ${t.label('visual.positional_embedding')} has shape ${fmt(pos.shape)}, expected [g*g+1, ${width}] for a square grid g`);
  }
  t.take('visual.ln_pre.weight', [width]);
  t.take('visual.ln_pre.bias', [width]);
  const layers = t.countBlocks('visual.transformer.resblocks.');
  t.blocks('visual.transformer.resblocks.', layers, width);
  t.take('visual.ln_post.weight', [width]);
  t.take('visual.ln_post.bias', [width]);
  const embedDim = t.take('visual.proj', [width, undefined]).shape[1]!;
  const vision = { imageSize: patchSize * grid, patchSize, width, layers, heads: heads(width, opts.visionHeads, 'vision') };
  return { vision, embedDim };
}

function hasTextTower(t: Taker): boolean {
  for (const key of t.source.keys()) {
    if (['token_embedding.weight', 'positional_embedding', 'ln_final.weight', 'text_projection'].includes(key)) return true;
    if (key.startsWith('transformer.resblocks.')) return true;
  }
  return false;
}

function readText(t: Taker, embedDim: number, opts: NormalizeClipOptions): TextConfig {
  const tok = t.take('token_embedding.weight', [undefined, undefined]);
  const [vocabSize, width] = tok.shape as [number, number];
  const contextLength = t.take('positional_embedding', [undefined, width]).shape[0]!;
  const layers = t.countBlocks('transformer.resblocks.');
  t.blocks('transformer.resblocks.', layers, width);
  t.take('ln_final.weight', [width]);
  t.take('ln_final.bias', [width]);
  t.take('text_projection', [width, embedDim]);
  return { contextLength, vocabSize, width, heads: heads(width, opts.textHeads, 'text'), layers };
}

/**
 * Renames, checks and converts CLIP weights to the OpenAI layout and infers the config.
 * Vision-only checkpoints are accepted (`config.text` is then undefined).
 *
 * @example
 * const { tensors, config, unusedKeys } = normalizeClipStateDict(readSafetensors(bytes).tensors, { visionHeads: 16, textHeads: 12 });
 */
export function normalizeClipStateDict(tensors: TensorMap, opts: NormalizeClipOptions = {}): NormalizedClip {
  if (!(tensors instanceof Map)) fail('expected a Map of tensors');
  let source = new Map<string, SourcedTensor>();
  for (const [key, tensor] of tensors) {
    const k = stripPrefixes(key);
    if (source.has(k)) fail(`keys '${source.get(k)!.from[0]}' and '${key}' both name '${k}'`);
    source.set(k, { tensor, from: [key] });
  }
  const hf = looksLikeHfClip(source.keys());
  if (hf) {
    for (const [k, v] of source) {
      if (v.tensor.dtype === 'float64') source.set(k, { ...v, tensor: asFloat32(v.from[0]!, v.tensor) });
    }
    source = convertHfClipNames(source);
  }
  const t = new Taker(source, hf);
  const { vision, embedDim } = readVision(t, opts);
  const text = hasTextTower(t) ? readText(t, embedDim, opts) : undefined;
  if (t.has('logit_scale')) {
    // OpenAI stores a 0-d scalar; some converters write [1]. Normalised to [].
    const scale = t.take('logit_scale', t.source.get('logit_scale')!.tensor.shape.length === 0 ? [] : [1]);
    t.out.set('logit_scale', { ...scale, shape: [] });
  }
  const config: ClipConfig = { embedDim, vision, ...(text ? { text } : {}), activation: opts.activation ?? 'gelu' };
  const unusedKeys = [...tensors.keys()].filter((k) => !t.used.has(k));
  return { tensors: t.out, config, unusedKeys, format: hf ? 'hf' : 'openai' };
}

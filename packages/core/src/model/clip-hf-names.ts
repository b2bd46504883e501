/**
 * Hugging Face `CLIPModel` key names -> OpenAI CLIP layout: q/k/v projections are
 * concatenated into `in_proj_*` (rows q; k; v) and the projections are transposed
 * (`visual_projection.weight` [E, W] -> `visual.proj` [W, E]).
 */
import type { NamedTensor } from '../weights/named-tensor';

/** A tensor under its OpenAI name, with the input keys it was made from. */
export interface SourcedTensor {
  tensor: NamedTensor;
  from: string[];
}

const BLOCK_RULES: [RegExp, string][] = [
  [/^layer_norm1\.(weight|bias)$/, 'ln_1.$1'],
  [/^layer_norm2\.(weight|bias)$/, 'ln_2.$1'],
  [/^mlp\.fc1\.(weight|bias)$/, 'mlp.c_fc.$1'],
  [/^mlp\.fc2\.(weight|bias)$/, 'mlp.c_proj.$1'],
  [/^self_attn\.out_proj\.(weight|bias)$/, 'attn.out_proj.$1'],
];

const RULES: [RegExp, string][] = [
  [/^vision_model\.embeddings\.patch_embedding\.weight$/, 'visual.conv1.weight'],
  [/^vision_model\.embeddings\.class_embedding$/, 'visual.class_embedding'],
  [/^vision_model\.embeddings\.position_embedding\.weight$/, 'visual.positional_embedding'],
  [/^vision_model\.pre_layrnorm\.(weight|bias)$/, 'visual.ln_pre.$1'],
  [/^vision_model\.post_layernorm\.(weight|bias)$/, 'visual.ln_post.$1'],
  [/^text_model\.embeddings\.token_embedding\.weight$/, 'token_embedding.weight'],
  [/^text_model\.embeddings\.position_embedding\.weight$/, 'positional_embedding'],
  [/^text_model\.final_layer_norm\.(weight|bias)$/, 'ln_final.$1'],
  [/^logit_scale$/, 'logit_scale'],
];

const TOWERS: [string, string][] = [
  ['vision_model.encoder.layers.', 'visual.transformer.resblocks.'],
  ['text_model.encoder.layers.', 'transformer.resblocks.'],
];

/**
 * True when the (prefix-stripped) keys use Hugging Face CLIP names.
 *
 * @example looksLikeHfClip(['vision_model.pre_layrnorm.weight']) // true
 */
export function looksLikeHfClip(keys: Iterable<string>): boolean {
  for (const k of keys) if (k.startsWith('vision_model.') || k.startsWith('text_model.')) return true;
  return false;
}

const INVERSE_BLOCK: [RegExp, string][] = [
  [/^ln_1\.(weight|bias)$/, 'layer_norm1.$1'],
  [/^ln_2\.(weight|bias)$/, 'layer_norm2.$1'],
  [/^mlp\.c_fc\.(weight|bias)$/, 'mlp.fc1.$1'],
  [/^mlp\.c_proj\.(weight|bias)$/, 'mlp.fc2.$1'],
  [/^attn\.out_proj\.(weight|bias)$/, 'self_attn.out_proj.$1'],
  [/^attn\.in_proj_(weight|bias)$/, 'self_attn.{q,k,v}_proj.$1'],
];

const INVERSE: [RegExp, string][] = [
  [/^visual\.conv1\.weight$/, 'vision_model.embeddings.patch_embedding.weight'],
  [/^visual\.class_embedding$/, 'vision_model.embeddings.class_embedding'],
  [/^visual\.positional_embedding$/, 'vision_model.embeddings.position_embedding.weight'],
  [/^visual\.ln_pre\.(weight|bias)$/, 'vision_model.pre_layrnorm.$1'],
  [/^visual\.ln_post\.(weight|bias)$/, 'vision_model.post_layernorm.$1'],
  [/^visual\.proj$/, 'visual_projection.weight'],
  [/^token_embedding\.weight$/, 'text_model.embeddings.token_embedding.weight'],
  [/^positional_embedding$/, 'text_model.embeddings.position_embedding.weight'],
  [/^ln_final\.(weight|bias)$/, 'text_model.final_layer_norm.$1'],
  [/^text_projection$/, 'text_projection.weight'],
];

/**
 * The Hugging Face name of an OpenAI-layout key (for error messages).
 *
 * @example hfNameOf('visual.ln_pre.weight') // 'vision_model.pre_layrnorm.weight'
 */
export function hfNameOf(key: string): string {
  for (const [hf, oa] of TOWERS) {
    const m = key.startsWith(oa) ? /^(\d+)\.(.*)$/.exec(key.slice(oa.length)) : null;
    if (!m) continue;
    const rule = INVERSE_BLOCK.find(([re]) => re.test(m[2]!));
    return `${hf}${m[1]}.${rule ? m[2]!.replace(rule[0], rule[1]) : m[2]}`;
  }
  const rule = INVERSE.find(([re]) => re.test(key));
  return rule ? key.replace(rule[0], rule[1]) : key;
}

function fail(msg: string): never {
  throw new Error(`normalizeClipStateDict: ${msg}`);
}

function requireFloat32(src: SourcedTensor): void {
  if (src.tensor.dtype !== 'float32') fail(`key '${src.from[0]}' has dtype ${src.tensor.dtype}, expected a floating-point tensor`);
}

function transpose(src: SourcedTensor): SourcedTensor {
  const { tensor } = src;
  requireFloat32(src);
  if (tensor.shape.length !== 2) {
    fail(`key '${src.from[0]}' has shape [${tensor.shape.join(', ')}], expected a 2-D [out, in] matrix`);
  }
  const [rows, cols] = tensor.shape as [number, number];
  const data = tensor.data as Float32Array;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return { tensor: { dtype: 'float32', shape: [cols, rows], data: out, sourceDtype: tensor.sourceDtype }, from: src.from };
}

function concatRows(target: string, parts: (SourcedTensor | undefined)[], names: string[]): SourcedTensor {
  parts.forEach((p, i) => {
    if (!p) fail(`missing key '${names[i]}' (needed for '${target}')`);
  });
  const [q, k, v] = parts as SourcedTensor[];
  [q!, k!, v!].forEach(requireFloat32);
  for (const p of [k!, v!]) {
    const a = q!.tensor.shape;
    const b = p.tensor.shape;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      fail(`key '${p.from[0]}' has shape [${b.join(', ')}], expected [${a.join(', ')}] like '${q!.from[0]}'`);
    }
  }
  const [rows, ...rest] = q!.tensor.shape;
  const n = q!.tensor.data.length;
  const out = new Float32Array(3 * n);
  [q!, k!, v!].forEach((p, i) => out.set(p.tensor.data as Float32Array, i * n));
  return {
    tensor: { dtype: 'float32', shape: [3 * rows!, ...rest], data: out, sourceDtype: q!.tensor.sourceDtype },
    from: [q!.from[0]!, k!.from[0]!, v!.from[0]!],
  };
}

/**
 * Renames Hugging Face CLIP tensors (float32 already) to the OpenAI layout. Keys no rule
 * matches are passed through unchanged (they end up in `unusedKeys`).
 *
 * @example convertHfClipNames(map).get('visual.conv1.weight')
 */
export function convertHfClipNames(input: Map<string, SourcedTensor>): Map<string, SourcedTensor> {
  const out = new Map<string, SourcedTensor>();
  const qkv = new Map<string, Map<string, SourcedTensor>>();
  const put = (key: string, value: SourcedTensor): void => {
    if (out.has(key)) fail(`keys '${out.get(key)!.from[0]}' and '${value.from[0]}' both map to '${key}'`);
    out.set(key, value);
  };
  for (const [key, value] of input) {
    if (key === 'visual_projection.weight') {
      put('visual.proj', transpose(value));
      continue;
    }
    if (key === 'text_projection.weight') {
      put('text_projection', transpose(value));
      continue;
    }
    const rule = RULES.find(([re]) => re.test(key));
    if (rule) {
      put(key.replace(rule[0], rule[1]), value);
      continue;
    }
    const tower = TOWERS.find(([hf]) => key.startsWith(hf));
    const m = tower ? /^(\d+)\.(.*)$/.exec(key.slice(tower[0].length)) : null;
    if (!tower || !m) {
      put(key, value);
      continue;
    }
    const base = `${tower[1]}${m[1]}.`;
    const inner = m[2]!;
    const attn = /^self_attn\.([qkv])_proj\.(weight|bias)$/.exec(inner);
    if (attn) {
      const target = `${base}attn.in_proj_${attn[2]}`;
      if (!qkv.has(target)) qkv.set(target, new Map());
      qkv.get(target)!.set(attn[1]!, value);
      continue;
    }
    const block = BLOCK_RULES.find(([re]) => re.test(inner));
    put(block ? base + inner.replace(block[0], block[1]) : key, value);
  }
  for (const [target, parts] of qkv) {
    const src = [...parts.values()][0]!.from[0]!;
    const names = ['q', 'k', 'v'].map((c) => src.replace(/\.[qkv]_proj\./, `.${c}_proj.`));
    put(target, concatRows(target, ['q', 'k', 'v'].map((c) => parts.get(c)), names));
  }
  return out;
}

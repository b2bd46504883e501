import type { ClipConfig } from './clip-config';
import type { WeightEntry } from './weight-source';

/** FNV-1a hash of a string, unsigned 32-bit (the same as @aaclip/synthetic's `hashString`: one seed per weight name). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Seeded standard normal sampler (mulberry32 + Box-Muller). */
export function gaussianSampler(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

/**
 * Random CLIP weights in the OpenAI layout, initialised as open_clip does (normal with
 * std width^-0.5 for attention, (2 width)^-0.5 for c_fc, width^-0.5 (2 layers)^-0.5 for
 * projections; unit LayerNorms). For benchmarks, tests and from-scratch training; no download.
 * With `lazy`, each normal tensor is made when its `data` is read (from a seed of its own, so
 * the values differ from the eager ones) and not kept: a model build that reads each weight
 * once never holds them all in JS (1.2 GB for a ViT-L vision tower).
 *
 * @example
 * const weights = randomClipWeights(CLIP_PRESETS['ViT-L-14-336'], 0);
 * const clip = ClipModel.fromWeights(weights, CLIP_PRESETS['ViT-L-14-336']);
 */
export function randomClipWeights(config: ClipConfig, seed = 0, opts: { visionOnly?: boolean; lazy?: boolean } = {}): Map<string, WeightEntry> {
  const rand = gaussianSampler(seed);
  const w = new Map<string, WeightEntry>();
  const normal = (key: string, shape: number[], std: number): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const make = (r: () => number): Float32Array => {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = r() * std;
      return data;
    };
    if (opts.lazy) {
      const keySeed = (seed ^ hashString(key)) >>> 0;
      w.set(key, {
        shape,
        get data() {
          return make(gaussianSampler(keySeed));
        },
      });
    } else w.set(key, { shape, data: make(rand) });
  };
  const fill = (key: string, shape: number[], v: number): void => {
    w.set(key, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  };
  const blocks = (prefix: string, width: number, layers: number): void => {
    const attnStd = width ** -0.5;
    const projStd = width ** -0.5 * (2 * layers) ** -0.5;
    const fcStd = (2 * width) ** -0.5;
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}resblocks.${i}.`;
      fill(`${p}ln_1.weight`, [width], 1);
      fill(`${p}ln_1.bias`, [width], 0);
      fill(`${p}ln_2.weight`, [width], 1);
      fill(`${p}ln_2.bias`, [width], 0);
      normal(`${p}attn.in_proj_weight`, [3 * width, width], attnStd);
      fill(`${p}attn.in_proj_bias`, [3 * width], 0);
      normal(`${p}attn.out_proj.weight`, [width, width], projStd);
      fill(`${p}attn.out_proj.bias`, [width], 0);
      normal(`${p}mlp.c_fc.weight`, [4 * width, width], fcStd);
      fill(`${p}mlp.c_fc.bias`, [4 * width], 0);
      normal(`${p}mlp.c_proj.weight`, [width, 4 * width], projStd);
      fill(`${p}mlp.c_proj.bias`, [width], 0);
    }
  };
  const v = config.vision;
  const g = Math.floor(v.imageSize / v.patchSize);
  const scale = v.width ** -0.5;
  normal('visual.conv1.weight', [v.width, 3, v.patchSize, v.patchSize], (3 * v.patchSize * v.patchSize) ** -0.5);
  normal('visual.class_embedding', [v.width], scale);
  normal('visual.positional_embedding', [1 + g * g, v.width], scale);
  fill('visual.ln_pre.weight', [v.width], 1);
  fill('visual.ln_pre.bias', [v.width], 0);
  blocks('visual.transformer.', v.width, v.layers);
  fill('visual.ln_post.weight', [v.width], 1);
  fill('visual.ln_post.bias', [v.width], 0);
  normal('visual.proj', [v.width, config.embedDim], scale);
  const t = config.text;
  if (t && !opts.visionOnly) {
    normal('token_embedding.weight', [t.vocabSize, t.width], 0.02);
    normal('positional_embedding', [t.contextLength, t.width], 0.01);
    blocks('transformer.', t.width, t.layers);
    fill('ln_final.weight', [t.width], 1);
    fill('ln_final.bias', [t.width], 0);
    normal('text_projection', [t.width, config.embedDim], t.width ** -0.5);
  }
  return w;
}

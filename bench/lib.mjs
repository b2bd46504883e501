// Shared helpers of the benchmark scripts (plain ESM, no build step).
import * as tf from '@tensorflow/tfjs-core';
import { CLIP_PRESETS, defaultAAClipConfig } from '@aaclip/core';

/** `--key value` / `--flag` arguments as an object (values are strings; flags 'true'). */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

/**
 * A CLIP preset by name, optionally with fewer vision blocks (`layers`) for a quick proxy of the
 * same width. `text: false` drops the text tower.
 */
export function presetConfig(name, { layers, text = true } = {}) {
  const base = CLIP_PRESETS[name];
  if (!base) throw new Error(`unknown model ${name} (known: ${Object.keys(CLIP_PRESETS).join(', ')})`);
  const cfg = { ...base, vision: { ...base.vision, ...(layers ? { layers: Number(layers) } : {}) } };
  if (!text) delete cfg.text;
  return cfg;
}

/**
 * Multiply-add FLOPs (2 per MAC) of one image through the AA-CLIP stage-2 forward: the vision
 * tower (qkv/out/MLP 24 N W^2 + scores/values 4 N^2 W per block, the patch embedding), the
 * residual image adapters (2 N W^2 each) and the seg/det projections (2 (N-1) W E each).
 * With `train`, the backward of a frozen backbone is added: input gradients of every linear
 * layer (1x its forward), both inputs of the attention products (2x), adapter and projection
 * weight + input gradients (2x).
 */
export function aaclipFlops(cfg, size, { train = false, aaclip = true } = {}) {
  const { patchSize: p, width: W, layers: L } = cfg.vision;
  const E = cfg.embedDim;
  const g = Math.floor(size / p);
  const N = 1 + g * g;
  const a = aaclip ? defaultAAClipConfig(L) : { imageAdaptUntil: 0, levels: [] };
  const block = 24 * N * W * W + 4 * N * N * W;
  const patch = 2 * (N - 1) * p * p * 3 * W;
  const adapters = a.imageAdaptUntil * 2 * N * W * W;
  const proj = aaclip ? (a.levels.length + 1) * 2 * (N - 1) * W * E : 0;
  const fwd = L * block + patch + adapters + proj;
  if (!train) return fwd;
  const bwd = L * (24 * N * W * W + 8 * N * N * W) + 2 * adapters + 2 * proj;
  return fwd + bwd;
}

/** FLOPs of the text tower over `n` sentences of `ctx` tokens each (the causal attention counted in full). */
export function textFlops(cfg, n, ctx = cfg.text.contextLength) {
  const { width: W, layers: L } = cfg.text;
  return n * (L * (24 * ctx * W * W + 4 * ctx * ctx * W) + 2 * W * cfg.embedDim);
}

/** Size in MiB of the wasm heap of the active backend (its 4 GiB wasm32 ceiling matters), or null. */
export function wasmHeapMiB() {
  const b = tf.backend();
  const heap = b?.wasm?.HEAPU8;
  return heap ? heap.length / 2 ** 20 : null;
}

export const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/** Best (smallest) of `times`. */
export const best = (times) => Math.min(...times);

/** Prints the one JSON line the driver (bench/run.mjs) reads. */
export function emit(obj) {
  console.log(JSON.stringify(obj));
}

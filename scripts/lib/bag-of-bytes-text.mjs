// The demo model's text tower, set analytically: a bag of bytes. Real AA-CLIP starts from CLIP's
// pretrained text tower, in which "a photo of a damaged X" and "a photo of a flawless X" differ
// mostly by the state words, whatever X is. A random text tower has no such structure: every
// class name bends the anchors its own way, so adapters trained on a few names do not carry over
// to a name they never saw (measured: maps inverted on some unseen families). Here the pooled
// (end-of-text) token is the mean of the sentence's byte embeddings, so the class name adds the
// same vector to the normal and the anomalous prompts and the anchors' difference comes from the
// state words; AA-CLIP's text adapters (trained by stage 1) then separate the two anchors.
//   token_embedding  random rows with zero mean and unit variance (LayerNorm leaves them as they are)
//   block 1          uniform causal attention (q = k = 0), V = I, out_proj = 4 I; no MLP
//   other blocks     zero (identity)

import { mulberry32 } from '@aaclip/core';
import { checkedSetter, gauss } from './weight-build.mjs';

/** rows x cols Gaussian values, each row shifted and scaled to zero mean and unit variance. */
function gaussianRows(rows, cols, seed) {
  const uniform = mulberry32(seed);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, () => gauss(uniform));
    const m = row.reduce((s, v) => s + v, 0) / cols;
    const sd = Math.sqrt(row.reduce((s, v) => s + (v - m) ** 2, 0) / cols);
    row.forEach((v, c) => { out[r * cols + c] = (v - m) / sd; });
  }
  return out;
}

/** Overwrites the text entries of `weights` (OpenAI layout) with the bag-of-bytes tower for cfg.text. */
export function buildBagOfBytesText(weights, cfg, seed = 3) {
  const { width: W, layers, contextLength: T, vocabSize: V } = cfg.text;
  const set = checkedSetter(weights, 'bag-of-bytes text');
  set('token_embedding.weight', [V, W], gaussianRows(V, W, seed));
  set('positional_embedding', [T, W], new Float32Array(T * W));
  for (let i = 0; i < layers; i++) {
    const p = `transformer.resblocks.${i}.`;
    for (const ln of ['ln_1', 'ln_2']) {
      set(`${p}${ln}.weight`, [W], new Float32Array(W).fill(1));
      set(`${p}${ln}.bias`, [W], new Float32Array(W));
    }
    const inProj = new Float32Array(3 * W * W);
    const outProj = new Float32Array(W * W);
    if (i === 0) {
      for (let d = 0; d < W; d++) {
        inProj[(2 * W + d) * W + d] = 1;
        outProj[d * W + d] = 4;
      }
    }
    set(`${p}attn.in_proj_weight`, [3 * W, W], inProj);
    set(`${p}attn.in_proj_bias`, [3 * W], new Float32Array(3 * W));
    set(`${p}attn.out_proj.weight`, [W, W], outProj);
    set(`${p}attn.out_proj.bias`, [W], new Float32Array(W));
    set(`${p}mlp.c_fc.weight`, [4 * W, W], new Float32Array(4 * W * W));
    set(`${p}mlp.c_fc.bias`, [4 * W], new Float32Array(4 * W));
    set(`${p}mlp.c_proj.weight`, [W, 4 * W], new Float32Array(4 * W * W));
    set(`${p}mlp.c_proj.bias`, [W], new Float32Array(W));
  }
  set('ln_final.weight', [W], new Float32Array(W).fill(1));
  set('ln_final.bias', [W], new Float32Array(W));
  const E = cfg.embedDim;
  const proj = gaussianRows(W, E, seed + 1).map((v) => v / Math.sqrt(W));
  set('text_projection', [W, E], proj);
}

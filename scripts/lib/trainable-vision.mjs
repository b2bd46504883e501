// Turns a built ClipModel's vision tower into trainable tf.Variables (for pretraining the small
// demo backbone; AA-CLIP itself keeps the backbone frozen) and exports it back to OpenAI-layout
// weights. Works on the tower's fields, which follow the checkpoint keys.
import * as tf from '@tensorflow/tfjs-core';
import { transpose2d } from '@aaclip/core';

/** [key, owner, field, kind] for every vision parameter. kind: 'linT' = stored [in, out]. */
function visionFields(visual) {
  const f = [
    ['visual.conv1.weight', visual, 'conv1T', 'conv'],
    ['visual.class_embedding', visual, 'class_embedding', 'vec'],
    ['visual.ln_pre.weight', visual.ln_pre, 'weight', 'vec'],
    ['visual.ln_pre.bias', visual.ln_pre, 'bias', 'vec'],
    ['visual.ln_post.weight', visual.ln_post, 'weight', 'vec'],
    ['visual.ln_post.bias', visual.ln_post, 'bias', 'vec'],
    ['visual.proj', visual, 'proj', 'raw'],
  ];
  visual.resblocks.forEach((b, i) => {
    const p = `visual.transformer.resblocks.${i}.`;
    f.push(
      [`${p}ln_1.weight`, b.ln_1, 'weight', 'vec'], [`${p}ln_1.bias`, b.ln_1, 'bias', 'vec'],
      [`${p}ln_2.weight`, b.ln_2, 'weight', 'vec'], [`${p}ln_2.bias`, b.ln_2, 'bias', 'vec'],
      [`${p}attn.in_proj_weight`, b.attn, 'inProjT', 'linT'], [`${p}attn.in_proj_bias`, b.attn, 'inProjBias', 'vec'],
      [`${p}attn.out_proj.weight`, b.attn, 'outProjT', 'linT'], [`${p}attn.out_proj.bias`, b.attn, 'outProjBias', 'vec'],
      [`${p}mlp.c_fc.weight`, b, 'cFcT', 'linT'], [`${p}mlp.c_fc.bias`, b, 'cFcBias', 'vec'],
      [`${p}mlp.c_proj.weight`, b, 'cProjT', 'linT'], [`${p}mlp.c_proj.bias`, b, 'cProjBias', 'vec'],
    );
  });
  return f;
}

/** Replaces the tower's tensors with variables; returns them by checkpoint key. */
export function makeVisionTrainable(visual) {
  const vars = new Map();
  for (const [key, owner, field] of visionFields(visual)) {
    const t = owner[field];
    const v = tf.variable(t, true, key.replace(/[^A-Za-z0-9_.\-/]/g, '_'));
    t.dispose();
    owner[field] = v;
    vars.set(key, v);
  }
  return vars;
}

/** The tower's current weights in the OpenAI layout: key -> { shape, data }. */
export function exportVisionWeights(visual) {
  const out = new Map();
  const { patchSize: p, width: W } = visual.config;
  for (const [key, owner, field, kind] of visionFields(visual)) {
    const t = owner[field];
    const d = t.dataSync();
    if (kind === 'linT') {
      const [inF, outF] = t.shape; // stored [in, out]; checkpoint [out, in]
      out.set(key, { shape: [outF, inF], data: transpose2d(d, inF, outF) });
    } else if (kind === 'conv') {
      // stored [(ky*p + kx)*3 + c, W]; checkpoint [W, 3, p, p]
      const o = new Float32Array(d.length);
      for (let oc = 0; oc < W; oc++) for (let c = 0; c < 3; c++) for (let ky = 0; ky < p; ky++) for (let kx = 0; kx < p; kx++) {
        o[((oc * 3 + c) * p + ky) * p + kx] = d[((ky * p + kx) * 3 + c) * W + oc];
      }
      out.set(key, { shape: [W, 3, p, p], data: o });
    } else {
      out.set(key, { shape: [...t.shape], data: Float32Array.from(d) });
    }
  }
  return out;
}

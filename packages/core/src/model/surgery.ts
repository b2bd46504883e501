// The surgery branch of the vision tower: the "value path" of CLIP Surgery (Li et al., "CLIP
// Surgery for Better Explainability with Enhancement in Open-Vocabulary Tasks", arXiv 2304.05653),
// as AA-CLIP's official code computes it for one image (test-data/fixtures/README.md,
// `surgery.tokens.L*`). In the blocks `from..to` (1-indexed) attention's query-key mixing is
// dropped: each token keeps its own value,
//
//   attention      x <- x + W_o softmax(q k^T / sqrt(d)) v + b_o           (the plain block)
//   value path     x <- x + W_o (W_v LN_1(x) + b_v) + b_o                   (valuePath)
//   then, both     x <- x + MLP(LN_2(x))
//
// with W_v, b_v the value rows of `in_proj` (rows [q; k; v]). No token mixes with another, so none
// mixes with another image of the batch either (the official batch code does mix them; each image
// is computed alone here, as it is for one image there).
//
// AA-CLIP's stage 1 reads the patch tokens of this branch at its levels l (aaclip-model.ts
// `stage1Features`):  F_l = L2(LN_post(z_l) P) + L2(v_global),  v_global the plain tower's image
// embedding.
import * as tf from '@tensorflow/tfjs-core';
import type { Attention } from './attention';
import { frozenLinear } from './matmul-2d';

/** The blocks (1-indexed, inclusive) that run the value path; `to` defaults to the last block. */
export interface SurgeryRange {
  from: number;
  to?: number;
}

/** Whether block `block` (1-indexed) of a tower of `layers` blocks runs the value path. */
export function inSurgery(range: SurgeryRange | undefined, block: number, layers: number): boolean {
  return range !== undefined && block >= range.from && block <= (range.to ?? layers);
}

/** The value path of one attention layer: x [rows, W] -> W_o (W_v x + b_v) + b_o [rows, W]. */
export function valuePath(attn: Attention, x: tf.Tensor2D): tf.Tensor2D {
  const { weightT, bias } = attn.valueProjection(); // [W, W], [W]
  return tf.tidy(() => {
    const v = frozenLinear(x, weightT, bias); // [rows, W]
    return frozenLinear(v, attn.outProjT, attn.outProjBias); // [rows, W]
  });
}

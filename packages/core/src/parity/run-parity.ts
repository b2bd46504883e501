// The parity check against the official PyTorch implementation, from already-read fixture
// data: builds the model, computes every output the fixture README defines and compares each
// with the float64 reference. Pure (tfjs-core ops only, no file system, no DOM): Node reads the
// files (@aaclip/backend-node's runParity), a browser fetches them.
import * as tf from '@tensorflow/tfjs-core';
import { defaultAAClipConfig, type AAClipConfig } from '../aaclip/aaclip-config';
import { AAClipModel } from '../aaclip/aaclip-model';
import { classTokens } from '../aaclip/anchors';
import type { ClassTokens } from '../aaclip/stage-losses';
import { preprocessImage, preprocessMask } from '../image/preprocess';
import type { ClipConfig } from '../model/clip-config';
import { ClipModel } from '../model/clip-model';
import { createClipTokenizerFromBpeGz } from '../tokenizer/clip-bpe-loaders';
import { clipFromTensors } from '../model/clip-from-tensors';
import { toFloat32, toInt32, type NamedTensor } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';
import { compareParity } from './compare-parity';
import { computeParityMetrics } from './parity-metrics';
import { parityStage1, parityStage2, parityVision, readOutput, type ParityStageContext } from './parity-stages';
import type { ParityExpectedJson, ParityInput, ParityResult } from './parity-types';

/** NCHW -> NHWC of a flat array. */
function nchwToNhwc(src: Float32Array, [b, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let n = 0; n < b!; n++)
    for (let ch = 0; ch < c!; ch++)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++) out[((n * h! + y) * w! + x) * c! + ch] = src[((n * c! + ch) * h! + y) * w! + x]!;
  return out;
}

/** "last 19 vision blocks (...)" -> first surgery block for a given depth. */
function surgeryFrom(desc: string | undefined, layers: number, fallback: number): number {
  const m = desc?.match(/last\s+(\d+)/);
  return m ? layers - Number(m[1]) + 1 : fallback;
}

/**
 * A CLIP from a tensor map in any supported layout. Head counts and activation come from
 * expected.json, else from the weights' `clip_config` metadata, else width / 64.
 */
function buildParityClip(weights: ParityInput['weights'], ej: ParityExpectedJson, name = 'weights'): { clip: ClipModel; config: ClipConfig } {
  const opts = { activation: ej.model.activation ?? 'gelu', visionHeads: ej.model.vision.heads, textHeads: ej.model.text?.heads } as const;
  return clipFromTensors(weights.tensors, weights.metadata ?? {}, opts, name);
}

/** The AA-CLIP configuration expected.json describes, for a CLIP of `layers` vision blocks. */
export function parityAAClipConfig(ej: ParityExpectedJson, layers: number): AAClipConfig {
  const a = ej.aaclip;
  return defaultAAClipConfig(layers, {
    textAdaptWeight: a.text_adapt_weight,
    imageAdaptWeight: a.image_adapt_weight,
    textAdaptUntil: a.text_adapt_until,
    imageAdaptUntil: a.image_adapt_until,
    levels: a.levels,
    relu: a.relu,
    surgeryFrom: surgeryFrom(a.dpam_layers, layers, a.levels[0]!),
  });
}

/** `preprocess.image` [3, S, S] and `preprocess.mask` [1, S, S] from the decoded PNGs. */
function preprocessOutputs(input: ParityInput, size: number, outputs: Map<string, WritableTensor>): void {
  if (!input.preprocess) throw new Error('parity: preprocess-input.png / preprocess-mask.png were not given (needed for preprocess.*)');
  const hwc = preprocessImage(input.preprocess.image, size);
  const chw = new Float32Array(hwc.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) chw[(c * size + y) * size + x] = hwc[(y * size + x) * 3 + c]!;
  outputs.set('preprocess.image', { dtype: 'float32', shape: [3, size, size], data: chw });
  outputs.set('preprocess.mask', { dtype: 'float32', shape: [1, size, size], data: Float32Array.from(preprocessMask(input.preprocess.mask, size)) });
}

/**
 * Computes every output of the fixture README (nothing about a particular fixture is
 * hard-coded: sizes, levels, prompts, sentences, classes and hyper-parameters come from its
 * files) on the active tfjs backend, and compares each with the reference at the README's
 * tolerance. Gradients must be registered (tfjs-core alone has none). Every tensor it creates
 * is disposed before it returns.
 *
 * @example
 * const res = await computeParity({ expectedJson, inputs, expected, weights, adapters, vocabGz, preprocess });
 * console.log(formatParityTable(res.rows), res.ok);
 */
export async function computeParity(input: ParityInput): Promise<ParityResult> {
  const ej = input.expectedJson;
  const { inputs, expected } = input;
  const want = (name: string): boolean => !input.only || input.only.some((p) => name.startsWith(p));
  const get = (k: string): NamedTensor => {
    const t = inputs.get(k);
    if (!t) throw new Error(`parity: inputs.safetensors has no "${k}"`);
    return t;
  };
  const outputs = new Map<string, WritableTensor>();
  const tokenizer = createClipTokenizerFromBpeGz(input.vocabGz);
  const { clip, config } = buildParityClip(input.weights, ej, input.weightsName);
  let model: AAClipModel | undefined;
  const anchors = new Map<string, tf.Tensor2D>();
  const held: tf.Tensor[] = [];
  try {
    const cfg = parityAAClipConfig(ej, config.vision.layers);
    model = AAClipModel.create({ clip, config: cfg, adapters: input.adapters });
    // ---- tokens and text
    const tok = tokenizer.tokenizeWithShape(ej.sentences, { truncate: true });
    outputs.set('tokens', { dtype: 'int32', shape: tok.shape, data: tok.data });
    const inTokens = toInt32(get('tokens'), 'inputs.tokens');
    for (const [name, encode] of [
      ['text.original', () => clip.encodeText(inTokens)],
      ['text.adapted', () => model!.encodeTextAdapted(inTokens)],
    ] as const) {
      if (!want(name)) continue;
      const t = encode();
      try {
        outputs.set(name, await readOutput(t));
      } finally {
        t.dispose();
      }
    }
    // ---- anchors: prompts from expected.json
    const promptSet = { name: 'fixture', normalStates: ej.prompts.prompt_normal, abnormalStates: ej.prompts.prompt_abnormal, templates: ej.prompts.prompt_templates };
    const tokensByClass = new Map<string, ClassTokens>();
    for (const c of new Set([...ej.classes, ...ej.batch_classes])) {
      const t = classTokens(tokenizer, c, { promptSet });
      tokensByClass.set(c, t);
      const adapted = model.anchorsFromTokens(t.normal, t.abnormal, { adapted: true });
      anchors.set(c, adapted);
      if (want('anchors')) {
        outputs.set(`anchors.adapted.${c}`, await readOutput(adapted));
        const orig = model.anchorsFromTokens(t.normal, t.abnormal, { adapted: false });
        try {
          outputs.set(`anchors.original.${c}`, await readOutput(orig));
        } finally {
          orig.dispose();
        }
      }
    }
    // ---- vision, stage 1, stage 2 and the test maps
    const im = get('images');
    const [B, , S] = im.shape as [number, number, number, number];
    const images = tf.tensor4d(nchwToNhwc(toFloat32(im, 'inputs.images'), im.shape), [B, S, S, 3]);
    held.push(images);
    const masks = tf.tensor3d(toFloat32(get('masks'), 'inputs.masks'), [B, S, S]);
    held.push(masks);
    const labels = Array.from(toInt32(get('labels'), 'inputs.labels'));
    const ctx: ParityStageContext = { clip, model, cfg, ej, images, masks, labels, tokensByClass, anchors, outputs };
    await parityVision(ctx, want);
    if (want('stage1.')) await parityStage1(ctx);
    if (want('stage2.') || want('test.')) await parityStage2(ctx);
    // ---- preprocessing and metrics (no tensors)
    if (want('preprocess.')) preprocessOutputs(input, (expected.get('preprocess.image')?.shape[1] as number | undefined) ?? S, outputs);
    if (want('metrics')) computeParityMetrics(inputs, ej, outputs);
  } finally {
    tf.dispose(held);
    for (const t of anchors.values()) t.dispose();
    model?.dispose();
    clip.dispose();
  }
  const rows = compareParity(outputs, expected, ej, inputs);
  return { rows, outputs, ok: rows.every((r) => r.ok) };
}


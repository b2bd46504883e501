import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  AAClipModel,
  Adam,
  adapterGradients,
  binaryMetrics,
  classTokens,
  createClipTokenizerFromBpeGz,
  defaultAAClipConfig,
  imageScore,
  officialMetricsEval,
  pixelMetrics,
  preprocessImage,
  preprocessMask,
  readSafetensors,
  similarity,
  stage1Loss,
  stage2Loss,
  testLevelMap,
  toFloat32,
  toInt32,
  trainingSoftmaxMap,
  transpose2d,
  writeSafetensors,
  type AAClipConfig,
  type ClassTokens,
  type NamedTensor,
  type WritableTensor,
} from '@aaclip/core';
import { resolveClassName } from '@aaclip/prompts';
import { decodeImageFile } from './image-io';
import { loadAdapters, loadClip } from './weights-io';

export interface ParityOptions {
  /** Folder with expected.json, inputs.safetensors, clip-openai.safetensors. */
  fixture: string;
  /** CLIP weights (any supported file/layout). Default DIR/clip-openai.safetensors. */
  weights?: string;
  /** adapters.safetensors or the official text_adapter.pth + image_adapter_N.pth. Default DIR/adapters.safetensors. */
  adapters?: string[];
  /** BPE vocabulary. Default DIR/../bpe_simple_vocab_16e6.txt.gz. */
  vocab?: string;
  /** Only compute outputs whose name starts with one of these prefixes. */
  only?: string[];
}

export interface ParityRow {
  name: string;
  maxAbsDiff: number;
  tolerance: number;
  ok: boolean;
  note?: string;
}

export interface ParityResult {
  rows: ParityRow[];
  outputs: Map<string, WritableTensor>;
  ok: boolean;
}

interface ExpectedJson {
  model: { activation?: 'gelu' | 'quick_gelu'; vision: { heads: number }; text?: { heads: number } };
  aaclip: {
    text_adapt_weight: number;
    image_adapt_weight: number;
    text_adapt_until: number;
    image_adapt_until: number;
    levels: number[];
    relu: boolean;
    dpam_layers?: string;
    text_norm_weight: number;
    stage1_lr_in_fixture: number;
    stage2_lr_in_fixture: number;
    adam_betas: [number, number];
    adam_eps: number;
  };
  prompts: { prompt_normal: string[]; prompt_abnormal: string[]; prompt_templates: string[] };
  real_names?: Record<string, string>;
  classes: string[];
  batch_classes: string[];
  sentences: string[];
  noise_floor: Record<string, number>;
  metrics: Record<string, number | Record<string, number>>;
}

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

const f32 = (t: tf.Tensor, shape?: number[]): WritableTensor => ({ dtype: 'float32', shape: shape ?? [...t.shape], data: Float32Array.from(t.dataSync()) });
const scalar = (v: number): WritableTensor => ({ dtype: 'float32', shape: [1], data: Float32Array.of(v) });

/**
 * Computes every output of the fixture README that the SDK implements, from the fixture's
 * files (nothing about a particular fixture is hard-coded), and compares each with
 * expected.safetensors at the README's tolerance.
 */
export async function runParity(opts: ParityOptions): Promise<ParityResult> {
  const dir = resolve(opts.fixture);
  const need = (p: string): string => {
    if (!existsSync(p)) throw new Error(`parity: missing file ${p}`);
    return p;
  };
  const expectedJson = JSON.parse(await readFile(need(join(dir, 'expected.json')), 'utf8')) as ExpectedJson;
  const inputs = readSafetensors(await readFile(need(join(dir, 'inputs.safetensors')))).tensors;
  const expected = readSafetensors(await readFile(need(join(dir, 'expected.safetensors')))).tensors;
  const want = (name: string): boolean => !opts.only || opts.only.some((p) => name.startsWith(p));
  const input = (k: string): NamedTensor => {
    const t = inputs.get(k);
    if (!t) throw new Error(`parity: inputs.safetensors has no "${k}"`);
    return t;
  };

  const outputs = new Map<string, WritableTensor>();
  const ej = expectedJson;
  const { clip, config } = await loadClip(opts.weights ?? need(join(dir, 'clip-openai.safetensors')), {
    activation: ej.model.activation ?? 'gelu',
    visionHeads: ej.model.vision.heads,
    textHeads: ej.model.text?.heads,
  });
  const adapterFiles = opts.adapters?.length ? opts.adapters : [need(join(dir, 'adapters.safetensors'))];
  const ck = await loadAdapters(adapterFiles);
  const a = ej.aaclip;
  const layers = config.vision.layers;
  const cfg: AAClipConfig = defaultAAClipConfig(layers, {
    textAdaptWeight: a.text_adapt_weight,
    imageAdaptWeight: a.image_adapt_weight,
    textAdaptUntil: a.text_adapt_until,
    imageAdaptUntil: a.image_adapt_until,
    levels: a.levels,
    relu: a.relu,
    surgeryFrom: surgeryFrom(a.dpam_layers, layers, a.levels[0]!),
  });
  const model = AAClipModel.create({ clip, config: cfg, adapters: ck.adapters });
  const levels = cfg.levels;
  try {
    // ---- tokens and text
    const vocabPath = opts.vocab ?? join(dirname(dir), 'bpe_simple_vocab_16e6.txt.gz');
    const tokenizer = createClipTokenizerFromBpeGz(await readFile(need(vocabPath)));
    const tok = tokenizer.tokenizeWithShape(ej.sentences, { truncate: true });
    outputs.set('tokens', { dtype: 'int32', shape: tok.shape, data: tok.data });
    const inTokens = toInt32(input('tokens'), 'inputs.tokens');
    if (want('text.original')) {
      const t = clip.encodeText(inTokens);
      outputs.set('text.original', f32(t));
      t.dispose();
    }
    if (want('text.adapted')) {
      const t = model.encodeTextAdapted(inTokens);
      outputs.set('text.adapted', f32(t));
      t.dispose();
    }
    // ---- anchors: prompts from expected.json, real names from the prompts package table
    const promptSet = { name: 'fixture', normalStates: ej.prompts.prompt_normal, abnormalStates: ej.prompts.prompt_abnormal, templates: ej.prompts.prompt_templates };
    const tokensByClass = new Map<string, ClassTokens>();
    const anchors = new Map<string, tf.Tensor2D>();
    for (const c of new Set([...ej.classes, ...ej.batch_classes])) {
      const real = resolveClassName(c, { onWarning: () => undefined });
      const t = classTokens(tokenizer, real === c ? c : c, { promptSet });
      tokensByClass.set(c, t);
      const adapted = model.anchorsFromTokens(t.normal, t.abnormal, { adapted: true });
      anchors.set(c, adapted);
      if (want('anchors')) {
        outputs.set(`anchors.adapted.${c}`, f32(adapted));
        const orig = model.anchorsFromTokens(t.normal, t.abnormal, { adapted: false });
        outputs.set(`anchors.original.${c}`, f32(orig));
        orig.dispose();
      }
    }
    // ---- vision
    const im = input('images');
    const [B, , S] = im.shape as [number, number, number, number];
    const images = tf.tensor4d(nchwToNhwc(toFloat32(im, 'inputs.images'), im.shape), [B, S, S, 3]);
    const masks = tf.tensor3d(toFloat32(input('masks'), 'inputs.masks'), [B, S, S]);
    const labels = Array.from(toInt32(input('labels'), 'inputs.labels'));
    try {
      if (want('image.')) {
        const r = clip.encodeImage(images, { collect: levels });
        outputs.set('image.pooled', f32(r.pooled!));
        for (const l of levels) outputs.set(`image.tokens.L${l}`, f32(r.tokens.get(l)!));
        tf.dispose([r.pooled!, ...r.tokens.values()]);
      }
      if (want('surgery.')) {
        const r = clip.encodeImage(images, { collect: levels, surgery: { from: cfg.surgeryFrom }, pooled: false });
        for (const l of levels) outputs.set(`surgery.tokens.L${l}`, f32(r.tokens.get(l)!));
        tf.dispose([...r.tokens.values()]);
      }
      if (want('stage1.')) {
        const feats = model.stage1Features(images);
        levels.forEach((l, j) => outputs.set(`stage1.patch.L${l}`, f32(feats.levels[j]!)));
        const batch = { features: feats.levels, grid: feats.grid, masks, classes: ej.batch_classes };
        const w = a.text_norm_weight;
        const all = stage1Loss(model, batch, tokensByClass, { allLevels: true, orthogonalWeight: w });
        outputs.set('stage1.loss_all_levels', f32(all, [1]));
        all.dispose();
        const orth = tf.tidy(() => {
          const A = ej.batch_classes.map((c) => anchors.get(c)!);
          const dots = A.map((x) => tf.sum(tf.mul(tf.slice(x, [0, 0], [x.shape[0], 1]), tf.slice(x, [0, 1], [x.shape[0], 1]))));
          return tf.square(tf.mean(tf.stack(dots)));
        });
        outputs.set('stage1.orthogonal', f32(orth, [1]));
        orth.dispose();
        const { value, grads } = adapterGradients(model, 1, () => stage1Loss(model, batch, tokensByClass, { orthogonalWeight: w }));
        outputs.set('stage1.loss', scalar(value));
        for (const p of model.trainableAdapters(1)) {
          outputs.set(`stage1.grad.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: transpose2d(grads.get(p.key)!.dataSync() as Float32Array, p.inFeatures, p.outFeatures) });
        }
        const saved = model.trainableAdapters(1).map((p) => tf.keep(p.weightT.clone()));
        const opt = new Adam(model.trainableAdapters(1), { lr: a.stage1_lr_in_fixture, betas: a.adam_betas, eps: a.adam_eps });
        opt.applyGradients(grads);
        for (const p of model.trainableAdapters(1)) outputs.set(`stage1.adam1.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: p.exportWeight() });
        model.trainableAdapters(1).forEach((p, i) => p.weightT.assign(saved[i]!));
        opt.dispose();
        tf.dispose([...saved, ...grads.values(), ...feats.levels]);
      }
      if (want('stage2.') || want('test.')) {
        const f = model.forward(images);
        const A = ej.batch_classes.map((c) => anchors.get(c)!);
        levels.forEach((l, j) => outputs.set(`stage2.seg.L${l}`, f32(f.seg[j]!)));
        outputs.set('stage2.det', f32(f.det));
        const last = levels[levels.length - 1]!;
        const sm = tf.tidy(() => trainingSoftmaxMap(similarity(f.seg[f.seg.length - 1]!, A), f.grid, S));
        outputs.set(`stage2.softmax_map.L${last}`, f32(sm));
        sm.dispose();
        const batch = { images, masks, labels, classes: ej.batch_classes };
        const parts = stage2Loss(model, batch, anchors);
        outputs.set('stage2.ce', f32(parts.ce, [1]));
        outputs.set('stage2.seg_loss', f32(parts.seg, [1]));
        tf.dispose([parts.ce, parts.seg, parts.loss]);
        const { value, grads } = adapterGradients(model, 2, () => stage2Loss(model, batch, anchors).loss);
        outputs.set('stage2.loss', scalar(value));
        for (const p of model.trainableAdapters(2)) {
          outputs.set(`stage2.grad.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: transpose2d(grads.get(p.key)!.dataSync() as Float32Array, p.inFeatures, p.outFeatures) });
        }
        // inference (before the Adam step changes the weights): anchors of classes[0] for every image
        const A0 = anchors.get(ej.classes[0]!)!;
        const maps = tf.tidy(() => {
          const lv = (d: 'industrial' | 'medical'): tf.Tensor3D[] => f.seg.map((s) => testLevelMap(similarity(s, A0), f.grid, S, d));
          const ind = lv('industrial');
          return { level: tf.stack(ind, 1), ind: tf.addN(ind), med: tf.addN(lv('medical')), pred: imageScore(f.det, A0) };
        });
        outputs.set('test.level_maps.industrial', f32(maps.level));
        outputs.set('test.anomaly_map.industrial', f32(maps.ind));
        outputs.set('test.anomaly_map.medical', f32(maps.med));
        outputs.set('test.image_pred', f32(maps.pred));
        tf.dispose(maps);
        const opt = new Adam(model.trainableAdapters(2), { lr: a.stage2_lr_in_fixture, betas: a.adam_betas, eps: a.adam_eps });
        opt.applyGradients(grads);
        for (const p of model.trainableAdapters(2)) outputs.set(`stage2.adam1.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: p.exportWeight() });
        opt.dispose();
        tf.dispose([...grads.values(), ...f.seg, f.det]);
      }
    } finally {
      tf.dispose([images, masks]);
      for (const t of anchors.values()) t.dispose();
    }
    // ---- preprocessing
    if (want('preprocess.')) {
      const img = await decodeImageFile(need(join(dir, 'preprocess-input.png')));
      const size = (expected.get('preprocess.image')?.shape[1] as number | undefined) ?? S;
      const hwc = preprocessImage(img, size); // [S, S, 3]
      const chw = new Float32Array(hwc.length);
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) chw[(c * size + y) * size + x] = hwc[(y * size + x) * 3 + c]!;
      outputs.set('preprocess.image', { dtype: 'float32', shape: [3, size, size], data: chw });
      const m = await decodeImageFile(need(join(dir, 'preprocess-mask.png')));
      outputs.set('preprocess.mask', { dtype: 'float32', shape: [1, size, size], data: Float32Array.from(preprocessMask(m, size)) });
    }
    // ---- metrics
    if (want('metrics')) computeMetrics(inputs, ej, outputs);
  } finally {
    model.dispose();
    clip.dispose();
  }
  const rows = compare(outputs, expected, ej, tokensFromInputs(inputs));
  return { rows, outputs, ok: rows.every((r) => r.ok) };
}

function tokensFromInputs(inputs: Map<string, NamedTensor>): Int32Array | null {
  const t = inputs.get('tokens');
  return t ? toInt32(t, 'inputs.tokens') : null;
}

function computeMetrics(inputs: Map<string, NamedTensor>, ej: ExpectedJson, outputs: Map<string, WritableTensor>): void {
  const get = (k: string): NamedTensor => {
    const t = inputs.get(k);
    if (!t) throw new Error(`parity: inputs.safetensors has no "${k}" (needed for metrics)`);
    return t;
  };
  const pp = get('metrics.pixel_pred');
  const pl = get('metrics.pixel_label');
  const ip = toFloat32(get('metrics.image_pred'));
  const il = toFloat32(get('metrics.image_label'));
  const pred = toFloat32(pp);
  const lab = toFloat32(pl);
  const shape = pp.shape;
  const pix = pixelMetrics(pred, lab, shape, { fprLimit: 0.3 });
  const img = binaryMetrics(ip, il);
  const values: Record<string, number> = {
    pixel_auroc: pix.auroc,
    pixel_ap: pix.averagePrecision,
    image_auroc_raw: img.auroc,
    image_ap_raw: img.averagePrecision,
    'pixel_aupro_0.3': pix.aupro,
    aupro_regions_8_connected: pix.regions,
  };
  for (const d of ['industrial', 'medical'] as const) {
    const o = officialMetricsEval({ pixelPreds: pred, pixelLabels: lab, imagePreds: ip, imageLabels: il, shape }, d);
    for (const [k, v] of Object.entries(o)) values[`official_metrics_eval_${d}.${k}`] = v;
  }
  for (const key of flattenMetrics(ej.metrics).keys()) {
    if (key in values) outputs.set(`metrics.${key}`, { dtype: 'float64', shape: [1], data: Float64Array.of(values[key]!) });
  }
}

/** expected.json metrics with nested keys joined by dots: 'official_metrics_eval_industrial.pixel AUC'. */
function flattenMetrics(obj: Record<string, unknown>, prefix = '', out = new Map<string, number>()): Map<string, number> {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') flattenMetrics(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else if (typeof v === 'number') out.set(`${prefix}${k}`, v);
  }
  return out;
}

function compare(outputs: Map<string, WritableTensor>, expected: Map<string, NamedTensor>, ej: ExpectedJson, inputTokens: Int32Array | null): ParityRow[] {
  const rows: ParityRow[] = [];
  for (const [name, out] of outputs) {
    if (name === 'tokens') {
      const ref = inputTokens;
      if (!ref) continue;
      let diff = 0;
      if (ref.length !== out.data.length) diff = Infinity;
      else for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(Number(ref[i]) - Number(out.data[i])));
      rows.push({ name, maxAbsDiff: diff, tolerance: 0, ok: diff === 0, note: 'vs inputs.tokens' });
      continue;
    }
    if (name.startsWith('metrics.')) {
      const ref = flattenMetrics(ej.metrics).get(name.slice('metrics.'.length));
      if (typeof ref !== 'number') continue;
      const d = Math.abs(ref - Number(out.data[0]));
      rows.push({ name, maxAbsDiff: d, tolerance: 1e-9, ok: d <= 1e-9 });
      continue;
    }
    const ref = expected.get(name);
    if (!ref) continue;
    const e = ref.data as Float64Array;
    const o = out.data as Float32Array;
    const shapeOk = ref.shape.length === out.shape.length && ref.shape.every((d, i) => d === out.shape[i]);
    if (!shapeOk || e.length !== o.length) {
      rows.push({ name, maxAbsDiff: Infinity, tolerance: 0, ok: false, note: `shape [${out.shape}] vs expected [${ref.shape}]` });
      continue;
    }
    let maxE = 0;
    for (let i = 0; i < e.length; i++) maxE = Math.max(maxE, Math.abs(Number(e[i])));
    let tol = Math.max(20 * (ej.noise_floor[name] ?? 0), 1e-6 * Math.max(1, maxE));
    let note: string | undefined;
    if (name.startsWith('preprocess.image')) {
      tol = Math.max(tol, 1e-5);
      note = 'one 8-bit level would be ~0.015';
    }
    let mask: ((i: number) => boolean) | null = null;
    const adam = name.match(/^(stage[12])\.adam1\.(.+)$/);
    if (adam) {
      const g = expected.get(`${adam[1]}.grad.${adam[2]}`);
      if (g) {
        let gmax = 0;
        for (const v of g.data as Float64Array) gmax = Math.max(gmax, Math.abs(v));
        mask = (i) => Math.abs((g.data as Float64Array)[i]!) > 1e-3 * gmax;
        note = 'where |grad| > 1e-3 max|grad|';
      }
    }
    let diff = 0;
    for (let i = 0; i < e.length; i++) {
      if (mask && !mask(i)) continue;
      const d = Math.abs(Number(e[i]) - o[i]!);
      if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    }
    rows.push({ name, maxAbsDiff: diff, tolerance: tol, ok: diff <= tol, note });
  }
  return rows;
}

/** Writes the computed outputs as a safetensors file (float32 tensors; tokens int32; metrics float64). */
export function encodeParityOutputs(outputs: Map<string, WritableTensor>): Uint8Array {
  return writeSafetensors(outputs);
}

/** A fixed-width table of the rows. */
export function formatParityTable(rows: ParityRow[]): string {
  const w = Math.max(6, ...rows.map((r) => r.name.length));
  const lines = [`${'output'.padEnd(w)}  ${'max abs diff'.padStart(12)}  ${'tolerance'.padStart(10)}  ok`];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(w)}  ${r.maxAbsDiff.toExponential(3).padStart(12)}  ${r.tolerance.toExponential(2).padStart(10)}  ${r.ok ? 'ok' : 'FAIL'}${r.note ? `  (${r.note})` : ''}`);
  }
  return lines.join('\n');
}

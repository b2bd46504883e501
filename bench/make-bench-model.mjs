// Writes a random-weights AA-CLIP model file (real shapes): the CLIP vision tower (and, with
// --text, the text tower), seeded image adapters, the anchors of one class ('object') and the
// configs in the metadata, so that loadDetector / createDetectorPool can run it without any
// download or tokenizer.
//   node bench/make-bench-model.mjs --model ViT-L-14-336 --out /tmp/aaclip-bench-vitl.safetensors [--layers N] [--text]
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { CHECKPOINT_FORMAT, writeSafetensors } from '@aaclip/core/weights';
import { defaultAAClipConfig } from '@aaclip/core';
import { gaussianSampler, randomClipWeights } from '@aaclip/core/train';
import { parseArgs, presetConfig } from './lib.mjs';

/** Writes the file unless it exists with the same configuration; returns its path. */
export function makeBenchModel({ model = 'ViT-L-14-336', out, layers, text = false, force = false }) {
  const cfg = presetConfig(model, { layers, text });
  const aaclip = defaultAAClipConfig(cfg.vision.layers, cfg.text ? { textAdaptUntil: Math.min(3, cfg.text.layers) } : {});
  const tag = JSON.stringify({ model, cfg, aaclip });
  if (!force && existsSync(out) && readTag(out) === tag) return out; // made already, same configuration
  const t0 = performance.now();
  const w = randomClipWeights(cfg, 0, { visionOnly: !cfg.text });
  const tensors = new Map([...w].map(([k, v]) => [k, { dtype: 'float32', shape: v.shape, data: v.data }]));
  w.clear();
  const W = cfg.vision.width;
  const E = cfg.embedDim;
  const rand = gaussianSampler(7);
  const linear = (key, o, i) => {
    const data = new Float32Array(o * i);
    const std = 1 / Math.sqrt(i);
    for (let k = 0; k < data.length; k++) data[k] = rand() * std;
    tensors.set(key, { dtype: 'float32', shape: [o, i], data });
  };
  for (let i = 0; i < aaclip.imageAdaptUntil; i++) linear(`image_adapter.layer_adapters.${i}.fc.0.weight`, W, W);
  aaclip.levels.forEach((_, j) => linear(`image_adapter.seg_proj.${j}.fc.weight`, E, W));
  linear('image_adapter.det_proj.fc.weight', E, W);
  if (cfg.text) {
    const T = cfg.text.width;
    for (let i = 0; i < aaclip.textAdaptUntil; i++) linear(`text_adapter.${i}.fc.0.weight`, T, T);
    linear(`text_adapter.${aaclip.textAdaptUntil}.fc.0.weight`, E, T);
  }
  // anchors [E, 2]: two random unit columns
  const a = new Float32Array(E * 2);
  for (let c = 0; c < 2; c++) {
    let n = 0;
    for (let e = 0; e < E; e++) n += (a[e * 2 + c] = rand()) ** 2;
    for (let e = 0; e < E; e++) a[e * 2 + c] /= Math.sqrt(n);
  }
  tensors.set('anchors.object', { dtype: 'float32', shape: [E, 2], data: a });
  const bytes = writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    clip_config: JSON.stringify(cfg),
    aaclip_config: JSON.stringify(aaclip),
    anchor_classes: JSON.stringify(['object']),
    description: `random-weights ${model} AA-CLIP model for benchmarks (bench/make-bench-model.mjs); not CLIP`,
    bench_tag: tag,
  });
  tensors.clear();
  writeFileSync(out, bytes);
  console.error(`wrote ${out}: ${(bytes.length / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/** The bench_tag metadata of a safetensors file, or null. */
function readTag(path) {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    if (readSync(fd, head, 0, 8, 0) !== 8) return null;
    const n = Number(head.readBigUInt64LE(0));
    if (n > 1e8) return null;
    const hb = Buffer.alloc(n);
    readSync(fd, hb, 0, n, 8);
    return JSON.parse(hb.toString('utf8')).__metadata__?.bench_tag ?? null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs();
  if (!args.out) throw new Error('--out FILE is required');
  makeBenchModel({ model: args.model, out: args.out, layers: args.layers, text: args.text === 'true', force: args.force === 'true' });
}

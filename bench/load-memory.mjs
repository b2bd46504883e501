// Memory of loading a ViT-L-14-336 (vision tower, fp32, random weights) from .safetensors and,
// optionally, of one forward pass, phase by phase, in a fresh process:
//   node bench/load-memory.mjs make /tmp/vitl.safetensors      (writes a CLIP-only file once)
//   node --expose-gc bench/load-memory.mjs load FILE [--size 518] [--full]
// FILE may also be an AA-CLIP model file (bench/make-bench-model.mjs): with image adapters in it,
// the forward is a detection (adapters, seg/det heads, maps), else clip.encodeImage collecting
// blocks 6/12/18/24. --full loads without inferenceOnly (the weights then exist twice on wasm
// once a product has run: tfjs' copy and XNNPACK's packed copy).
// Per phase: RSS, the wasm heap's size and its resident part (from /proc/self/smaps), the rest
// of the process, tfjs' live tensor bytes; for the forward also tf.profile's tensor-level peak.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { CLIP_PRESETS } from '@aaclip/core';
import { randomClipWeights, gaussianSampler } from '@aaclip/core/train';
import { writeSafetensors, CHECKPOINT_FORMAT } from '@aaclip/core/weights';
import { loadClip, loadDetector, openSafetensorsFile, useBackend } from '@aaclip/backend-node';
import { parseArgs, peakRssMiB } from './lib.mjs';

const MiB = 2 ** 20;
const [mode, path] = process.argv.slice(2);
const args = parseArgs();
const cfg = { ...CLIP_PRESETS['ViT-L-14-336'], text: undefined };

/** Resident MiB of the wasm heap's mapping (the one whose size is the heap's) and of everything else. */
function residentSplit(heapBytes) {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return {};
  }
  let total = 0;
  let wasm = 0;
  let size = 0;
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      const [a, b] = line.split(' ')[0].split('-').map((h) => parseInt(h, 16));
      size = b - a;
      continue;
    }
    const m = /^Rss:\s+(\d+) kB/.exec(line);
    if (m) {
      total += +m[1];
      if (heapBytes && size === heapBytes) wasm = +m[1];
    }
  }
  return heapBytes ? { wasmResidentMiB: Math.round(wasm / 1024), otherResidentMiB: Math.round((total - wasm) / 1024) } : { residentMiB: Math.round(total / 1024) };
}

function phase(name) {
  global.gc?.();
  const heap = tf.getBackend() === 'wasm' ? tf.backend().wasm.HEAPU8.length : 0;
  return {
    phase: name,
    rssMiB: Math.round(process.memoryUsage().rss / MiB),
    peakRssMiB: Math.round(peakRssMiB()),
    wasmHeapMiB: heap ? Math.round(heap / MiB) : null,
    ...residentSplit(heap),
    tensorMiB: Math.round(tf.memory().numBytes / MiB),
    jsArrayBuffersMiB: Math.round(process.memoryUsage().arrayBuffers / MiB),
  };
}

if (mode === 'make') {
  const w = randomClipWeights(cfg, 0, { visionOnly: true });
  const t = new Map([...w].map(([k, v]) => [k, { dtype: 'float32', shape: v.shape, data: v.data }]));
  writeFileSync(path, writeSafetensors(t, { format: CHECKPOINT_FORMAT, clip_config: JSON.stringify(cfg) }));
  console.log(`wrote ${path}: ${(statSync(path).size / MiB).toFixed(0)} MiB`);
} else {
  const inferenceOnly = args.full !== 'true';
  await useBackend(process.env.AACLIP_BACKEND ?? 'wasm');
  const phases = [phase('start')];
  const f = openSafetensorsFile(path);
  const hasAdapters = [...f.tensors.keys()].some((k) => k.startsWith('image_adapter.'));
  f.close();
  const t0 = performance.now();
  const detector = hasAdapters ? (await loadDetector({ model: path, visionOnly: true, inferenceOnly })).detector : null;
  const clip = detector ? detector.model.clip : (await loadClip(path, { visionOnly: true, inferenceOnly })).clip;
  const loadSeconds = (performance.now() - t0) / 1000;
  phases.push(phase('loaded'));
  let forward = null;
  if (args.size) {
    const size = Number(args.size);
    const rand = gaussianSampler(1);
    const data = new Float32Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = rand();
    const images = tf.tensor4d(data, [1, size, size, 3]);
    const start = tf.memory().numBytes;
    const t1 = performance.now();
    const prof = await tf.profile(async () => {
      if (detector) await detector.detect(images, { className: detector.classes[0] ?? 'object' });
      else {
        const r = clip.encodeImage(images, { collect: [6, 12, 18, 24] });
        r.pooled.dataSync();
        tf.dispose([r.pooled, ...r.tokens.values()]);
      }
    });
    forward = { size, what: detector ? 'AA-CLIP detect' : 'encodeImage', seconds: +((performance.now() - t1) / 1000).toFixed(1), tensorPeakMiB: +((prof.peakBytes - start) / MiB).toFixed(1) };
    images.dispose();
    phases.push(phase(`after ${size} px forward`));
  }
  const fileMiB = statSync(path).size / MiB;
  const peak = peakRssMiB();
  console.log(JSON.stringify({ file: path, fileMiB: Math.round(fileMiB), inferenceOnly, loadSeconds: +loadSeconds.toFixed(1), forward, peakRssMiB: Math.round(peak), peakOverFile: +(peak / fileMiB).toFixed(2), phases }, null, 1));
  detector ? detector.dispose() : clip.dispose();
}

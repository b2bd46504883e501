// One AA-CLIP stage-2 training step in its own process (random weights, real shapes): the
// trainer's step (trainStage, stage 2): forward with the image adapters in the first blocks,
// ce on the det projection + focal/dice seg losses of the four levels against frozen anchors,
// gradients of the adapters only (frozen backbone), one Adam step (betas 0.5, 0.999).
//   node --expose-gc bench/train-step.mjs --model ViT-L-14-336 --size 518 --batch 2 --steps 2 [--layers N] [--backend wasm] [--checkpoint auto|true|false] [--workers N]
// --workers N: the batch split across this thread and N worker threads (createTrainingPool).
// --checkpoint: block-wise recomputation as the trainer does it ('auto': when the plain tape would pass 1 GiB).
// --name-kernels true (bench/train-profile.mjs): every registered tfjs kernel runs through a
// wrapper named kernel_<KernelName>, so a CPU profile's stacks name the kernel (tfjs-wasm's binary
// and unary kernels share one anonymous kernelFunc). stepWindowsUs: each step's start and end on
// the monotonic clock that V8's CPU profiles use (process.hrtime), in microseconds.
import * as tf from '@tensorflow/tfjs-core';
import { AAClipModel, ClipModel } from '@aaclip/core';
import { Adam, randomClipWeights, recomputeBlocks, stage2Gradients } from '@aaclip/core/train';
import { createTrainingPool, ensureGradients, useBackend } from '@aaclip/backend-node';
import { aaclipFlops, best, emit, parseArgs, peakRssMiB, presetConfig, wasmHeapMiB } from './lib.mjs';

const args = parseArgs();
const modelName = args.model ?? 'ViT-L-14-336';
const size = Number(args.size ?? 518);
const batch = Number(args.batch ?? 2);
const steps = Number(args.steps ?? 2);
const report = await useBackend(args.backend ?? 'wasm');
await ensureGradients();
const cfg = presetConfig(modelName, { layers: args.layers, text: false });
const weights = randomClipWeights(cfg, 0, { visionOnly: true });
const clip = ClipModel.fromWeights(weights, cfg);
weights.clear();
const model = AAClipModel.create({ clip, seed: 0 });
const E = cfg.embedDim;
// frozen stage-1 anchors: two random unit columns
const anchors = new Map([['object', tf.tidy(() => { const a = tf.randomNormal([E, 2], 0, 1, 'float32', 3); return tf.div(a, tf.norm(a, 'euclidean', 0, true)); })]]);
const images = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1);
// masks: a defect square on every other image (labels 1), none on the others (labels 0)
const labels = Array.from({ length: batch }, (_, b) => b % 2);
const maskData = new Float32Array(batch * size * size);
labels.forEach((l, b) => {
  if (!l) return;
  const s = Math.floor(size / 4);
  for (let y = s; y < 2 * s; y++) for (let x = s; x < 2 * s; x++) maskData[b * size * size + y * size + x] = 1;
});
const masks = tf.tensor3d(maskData, [batch, size, size]);
const params = model.trainableAdapters(2);
const optimizer = new Adam(params, { lr: 5e-4, betas: [0.5, 0.999] });
const batchData = { images, masks, labels, classes: labels.map(() => 'object') };
const ckArg = args.checkpoint ?? 'auto';
const checkpoint = recomputeBlocks(model, images.shape, ckArg === 'auto' ? 'auto' : ckArg === 'true');
const workers = Number(args.workers ?? 0);
const pool = workers > 0 ? await createTrainingPool({ weights: { random: { config: cfg, seed: 0 } }, model, workers, backend: report.active, checkpoint }) : null;
if (args['name-kernels'] === 'true') nameKernels(tf.getBackend());
const times = [];
const stepWindowsUs = [];
const cpuSeconds = []; // process CPU seconds of each step (every thread): the work, on a shared machine
let loss = NaN;
let heap = 0;
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  const t0Us = Number(process.hrtime.bigint() / 1000n);
  const c = process.cpuUsage();
  const { value, grads } = pool ? await pool.stage2Gradients(model, batchData, anchors) : await stage2Gradients(model, batchData, anchors, checkpoint);
  optimizer.applyGradients(grads);
  tf.dispose([...grads.values()]);
  await params[0].weightT.data(); // the step is done when the weights are (read asynchronously: GPU backends)
  times.push((performance.now() - t) / 1000);
  stepWindowsUs.push([t0Us, Number(process.hrtime.bigint() / 1000n)]);
  const dc = process.cpuUsage(c);
  cpuSeconds.push((dc.user + dc.system) / 1e6);
  loss = value;
  heap = Math.max(heap, wasmHeapMiB() ?? 0);
  global.gc?.();
}
const flops = batch * aaclipFlops(cfg, size, { train: true });
emit({
  case: `${modelName}${args.layers ? ` (${args.layers} blocks)` : ''} stage-2 training step`,
  backend: report.active,
  ...(report.adapter ? { adapter: report.adapter } : {}),
  size,
  batch,
  layers: cfg.vision.layers,
  checkpoint,
  threads: pool ? pool.threads : 1,
  seconds: best(times),
  times,
  cpuSeconds,
  loss,
  gflops: flops / 1e9,
  gflopsPerSecond: flops / 1e9 / best(times),
  peakRssMiB: peakRssMiB(),
  wasmHeapMiB: heap || null,
  stepWindowsUs,
});
await pool?.dispose();
optimizer.dispose();
tf.dispose([images, masks, ...anchors.values()]);
model.dispose();
clip.dispose();

/** Wraps every kernel registered for `backend` in a function named kernel_<KernelName> (profiling only). */
function nameKernels(backend) {
  for (const config of tf.getKernelsForBackend(backend)) {
    const id = config.kernelName.replace(/[^A-Za-z0-9_]/g, '_');
    // new Function gives the wrapper a real (parsed) name, which is what the profiler shows
    config.kernelFunc = new Function('f', `return function kernel_${id}(a) { return f(a); }`)(config.kernelFunc);
  }
}

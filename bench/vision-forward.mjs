// One benchmark case in its own process (so that peak RSS is per case):
// node bench/vision-forward.mjs --model ViT-L-14-336 --size 336 --batch 1 --backend wasm --repeat 1 [--aaclip]
// --size, --batch and --attention also take comma lists (one JSON line per combination, the
// weights made once: the GPU run; peak RSS is then the process's so far).
import * as tf from '@tensorflow/tfjs-core';
import { ClipModel, CLIP_PRESETS, AAClipModel, setAttentionMode, attentionModeInUse, matMulProvider } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import { useBackend } from '@aaclip/backend-node';
import { aaclipFlops, parseArgs, peakRssMiB, presetConfig, wasmHeapMiB } from './lib.mjs';

const args = parseArgs();
const modelName = args.model ?? 'ViT-L-14-336';
const sizes = String(args.size ?? 336).split(',').map(Number);
const batches = String(args.batch ?? 1).split(',').map(Number);
const modes = args.attention ? String(args.attention).split(',') : [null];
const repeat = Number(args.repeat ?? 1);
const aaclip = args.aaclip === 'true';

// on wasm, AACLIP_GEMM=xnnpack|own (default own) and AACLIP_THREADS pick the matrix-product engine
const report = await useBackend(args.backend ?? 'wasm');
const provider = matMulProvider();
const gemm = report.active !== 'wasm' ? undefined : provider?.engine ? `own, ${provider.engine.threads} threads${provider.engine.shape.fma ? ', relaxed FMA' : ''}` : 'xnnpack';
// --layers N: N vision blocks of the model's width (a proxy for memory and time per block)
const cfg = presetConfig(modelName, { layers: args.layers });
const t0 = performance.now();
// made tensor by tensor as the model reads them, and built for inference: one copy of the weights
// on wasm (no JS copy of all of them during the build, no XNNPACK duplicate after it)
const weights = randomClipWeights(cfg, 0, { visionOnly: true, lazy: true });
const clip = ClipModel.fromWeights(weights, { ...cfg, text: undefined }, { inferenceOnly: true });
weights.clear();
const loadS = (performance.now() - t0) / 1000;
const afterLoad = { peakRss: peakRssMiB(), ...memoryBreakdown() };
const model = aaclip ? AAClipModel.create({ clip, seed: 0 }) : null;
const W = cfg.vision.width;
const fp32WeightsMiB = (clip.visual.resblocks.length * (12 * W * W + 13 * W) * 4 + 4 * (3 * cfg.vision.patchSize ** 2 * W)) / 2 ** 20;
// --attention per-head|batched (default: auto, batched on GPU backends)
for (const mode of modes) for (const size of sizes) for (const batch of batches) {
  if (mode) setAttentionMode(mode);
  const images = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1);
  // read asynchronously: the wait for the results (GPU backends queue their work) and no
  // synchronous read, which webgpu in Node lacks
  const run = async () => {
    if (model) {
      const f = model.forward(images);
      const d = [...f.seg, f.det];
      await Promise.all(d.map((t) => t.data()));
      tf.dispose(d);
    } else {
      const r = clip.encodeImage(images, { collect: [6, 12, 18, 24].filter((l) => l <= cfg.vision.layers) });
      await r.pooled.data();
      tf.dispose([r.pooled, ...r.tokens.values()]);
    }
  };
  const times = [];
  const cpu = []; // process CPU seconds (all threads) of each run: the work done, on a machine shared with others
  for (let i = 0; i < repeat; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await run();
    times.push((performance.now() - t) / 1000);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
  }
  const best = Math.min(...times);
  // the vision tower's FLOPs (the AA-CLIP adapters and projections not counted, as before)
  const flops = batch * aaclipFlops(cfg, size, { aaclip: false });
  const out = {
    case: `${modelName} ${aaclip ? 'AA-CLIP' : 'vision'} forward`,
    backend: report.active,
    ...(report.adapter ? { adapter: report.adapter } : {}),
    attention: attentionModeInUse(),
    ...(gemm ? { gemm } : {}),
    size,
    batch,
    secondsPerImage: best / batch,
    seconds: times,
    cpuSeconds: cpu,
    gflops: flops / 1e9,
    gflopsPerSecond: flops / 1e9 / best,
    peakRssMiB: peakRssMiB(),
    // where the memory is: the process now, tfjs-wasm's heap, the GEMM engine's shared memory
    memoryMiB: memoryBreakdown(),
    afterLoadMiB: afterLoad,
    weightLoadSeconds: loadS,
    fp32WeightsMiB,
  };
  console.log(JSON.stringify(out));
  tf.dispose(images);
}
model?.dispose();
clip.dispose();

function memoryBreakdown() {
  const mib = (x) => Number((x / 2 ** 20).toFixed(1));
  const m = process.memoryUsage();
  const eng = provider?.engine;
  return {
    rss: mib(m.rss),
    jsHeap: mib(m.heapUsed),
    arrayBuffers: mib(m.arrayBuffers),
    tfjsWasmHeap: wasmHeapMiB(),
    engineMemory: eng && !eng.isDisposed ? mib(eng.f32().byteLength) : null,
    engineAllocated: eng && !eng.isDisposed ? mib(eng.allocatedBytes) : null,
    packedWeights: provider?.weightBytes !== undefined ? mib(provider.weightBytes) : null,
  };
}

/*
 * The browser benchmark page (bench/browser/run.mjs serves it cross-origin isolated): one CLIP
 * vision forward on tfjs-wasm with random weights, its products on
 *   - the own GEMM engine (@aaclip/kernels/web) on `threads` Workers sharing one memory, or
 *   - tfjs-wasm's XNNPACK (threaded build on an isolated page; `threads` sets its pool).
 * window.__bench(opts) -> { seconds: [...], ... }; one case per page load.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { CLIP_PRESETS, ClipModel, setMatMulProvider } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import '@aaclip/kernels/tfjs-wasm';
import { TfjsGemmProvider, startGemmEngine, relaxedSimdSupported } from '@aaclip/kernels/web';

interface Opts {
  model: string;
  size: number;
  gemm: 'own' | 'xnnpack';
  threads: number;
  repeat: number;
}

async function bench(o: Opts): Promise<Record<string, unknown>> {
  setWasmPaths('/tfjs-wasm/');
  if (o.gemm === 'xnnpack') setThreadsCount(o.threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const engine = o.gemm === 'own' ? await startGemmEngine({ threads: o.threads, workerUrl: '/gemm-worker.js' }) : null;
  if (engine) setMatMulProvider(new TfjsGemmProvider(engine));
  const cfg = CLIP_PRESETS[o.model as keyof typeof CLIP_PRESETS];
  const t0 = performance.now();
  const weights = randomClipWeights(cfg, 0, { visionOnly: true, lazy: true });
  const clip = ClipModel.fromWeights(weights, { ...cfg, text: undefined }, { inferenceOnly: true });
  weights.clear();
  const loadSeconds = (performance.now() - t0) / 1000;
  const images = tf.randomNormal([1, o.size, o.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const seconds: number[] = [];
  for (let i = 0; i < o.repeat; i++) {
    const t = performance.now();
    const r = clip.encodeImage(images, { collect: [] });
    await r.pooled!.data();
    seconds.push((performance.now() - t) / 1000);
    tf.dispose([r.pooled!, ...r.tokens.values()]);
  }
  const tfThreads = (tf.backend() as unknown as { wasm?: { tfjs?: unknown } }) && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return {
    model: o.model,
    size: o.size,
    gemm: o.gemm,
    threads: engine ? engine.threads : o.threads,
    relaxedSimd: relaxedSimdSupported(),
    crossOriginIsolated: !!tfThreads,
    hardwareConcurrency: navigator.hardwareConcurrency,
    loadSeconds,
    seconds,
    best: Math.min(...seconds),
  };
}

(globalThis as unknown as { __bench: typeof bench }).__bench = bench;

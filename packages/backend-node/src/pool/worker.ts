/*
 * A DetectorPool worker thread (built to dist/pool-worker.js). It selects its own tfjs
 * backend (one wasm instance per thread), loads the weights itself from the file (a
 * .safetensors file is streamed tensor by tensor, so no thread ever holds the file's bytes
 * whole), and serves detect / anchors / memory requests one at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, type Detector } from '@aaclip/core';
import { useBackend } from '../backend';
import { loadBundle } from '../model-bundle';
import type { WorkerDetection, WorkerInit, WorkerReply, WorkerRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('pool-worker: must run as a worker thread (use createDetectorPool)');
const init = workerData as WorkerInit;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function load(): Promise<Detector> {
  const t0 = performance.now();
  const report = await useBackend(init.backend);
  const bundle = await loadBundle({
    model: init.model,
    adapters: init.adapters,
    vocab: init.vocab,
    activation: init.activation,
    visionOnly: !init.text,
    inferenceOnly: true, // a worker only detects: one packed copy of the weights, not two
  });
  const ck = bundle.checkpoint;
  if (!ck || ![...ck.adapters.keys()].some((k) => k.startsWith('image_adapter.'))) {
    bundle.clip.dispose();
    throw new Error(`no image adapters in ${init.adapters?.join(', ') || init.model}: pass adapters (a stage-2 checkpoint or the official image_adapter_N.pth)`);
  }
  const canCompute = Boolean(bundle.tokenizer && bundle.clip.text);
  if (init.text && !canCompute && ck.anchors.size === 0) {
    bundle.clip.dispose();
    throw new Error(`${init.model}: no tokenizer (pass vocab: bpe_simple_vocab_16e6.txt.gz) and no stored anchors`);
  }
  const detector = createDetector({
    clip: bundle.clip,
    adapters: ck.adapters,
    config: ck.aaclipConfig,
    // a vision-only worker gets anchors from the pool (setAnchors); an empty map says so
    anchors: ck.anchors.size ? ck.anchors : canCompute ? undefined : new Map(),
    tokenizer: canCompute ? (bundle.tokenizer ?? undefined) : undefined,
    prompts: init.prompts ? { ...init.prompts, onWarning: (w) => post({ type: 'warning', message: w.message }) } : { onWarning: (w) => post({ type: 'warning', message: w.message }) },
    domain: init.domain,
  });
  post({
    type: 'ready',
    info: {
      backend: report.active,
      config: bundle.config,
      storedClasses: [...ck.anchors.keys()],
      canComputeAnchors: canCompute,
      loadSeconds: (performance.now() - t0) / 1000,
    },
  });
  return detector;
}

async function serve(detector: Detector, req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case 'anchors': {
      const a = detector.anchors(req.className);
      const data = ((await a.data()) as Float32Array).slice(); // a copy: some backends hand out their own storage
      post({ type: 'ok', id: req.id, result: { shape: [...a.shape], data } }, [data.buffer as ArrayBuffer]);
      return;
    }
    case 'detect': {
      if (req.anchors) detector.setAnchors(req.className, req.anchors);
      const input = tf.tensor4d(req.images, [req.batch, req.size, req.size, 3]);
      let out: WorkerDetection[];
      try {
        out = await detector.detect(input, { className: req.className, domain: req.domain, levelMaps: req.levelMaps });
      } finally {
        input.dispose();
      }
      const transfer: ArrayBuffer[] = [];
      for (const d of out) {
        transfer.push(d.anomalyMap.buffer as ArrayBuffer, d.probabilityMap.buffer as ArrayBuffer);
        for (const l of d.levelMaps ?? []) transfer.push(l.buffer as ArrayBuffer);
      }
      post({ type: 'ok', id: req.id, result: out }, transfer);
      return;
    }
    case 'memory': {
      const m = tf.memory();
      post({ type: 'ok', id: req.id, result: { numTensors: m.numTensors, numBytes: m.numBytes } });
      return;
    }
    default:
      throw new Error(`pool-worker: unknown request ${JSON.stringify((req as { type?: unknown }).type)}`);
  }
}

let detector: Detector | null = null;
let queue: Promise<void> = Promise.resolve();
// requests that arrive while the weights load wait for them; then they run strictly in turn
const loaded = load().then(
  (d) => {
    detector = d;
  },
  (e: unknown) => {
    post({ type: 'init-error', message: message(e) });
  },
);
port.on('message', (req: WorkerRequest) => {
  queue = queue
    .then(() => loaded)
    .then(async () => {
      if (!detector) throw new Error('pool-worker: the model failed to load');
      await serve(detector, req);
    })
    .catch((e: unknown) => post({ type: 'error', id: req.id, message: message(e) }));
});

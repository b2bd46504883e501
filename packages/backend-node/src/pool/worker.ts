/*
 * A DetectorPool worker thread (built to dist/pool-worker.js). It selects its own tfjs
 * backend (one wasm instance per thread), loads the bundle itself from the file (a
 * .safetensors file is streamed tensor by tensor, so no thread ever holds the file's bytes
 * whole), and serves detect / anchors / memory calls one at a time (worker-rpc.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { workerData } from 'node:worker_threads';
import { detectorFromBundle, type AAClipDetector } from '@aaclip/core';
import { useBackend } from '../backend';
import { loadBundle } from '../model-bundle';
import { postRpcWarning, serveRpc, type RpcResult } from '../worker-rpc';
import type { WorkerDetection, WorkerInit, WorkerReadyInfo, WorkerRequest } from './protocol';

const init = workerData as WorkerInit;

async function load(): Promise<{ state: AAClipDetector; info: WorkerReadyInfo }> {
  const t0 = performance.now();
  const report = await useBackend(init.backend);
  const bundle = await loadBundle({
    model: init.model,
    adapters: init.adapters,
    vocab: init.vocab,
    activation: init.activation,
    visionOnly: !init.text,
    inferenceOnly: true, // a worker only detects: one packed copy of the weights, not two
    imageSize: init.imageSize,
  });
  const warn = (w: { message: string }): void => postRpcWarning(w.message);
  const detector = detectorFromBundle(bundle, {
    prompts: { ...init.prompts, onWarning: warn },
    domain: init.domain,
    anchorsFromCaller: !init.text, // a vision-only worker gets anchors from the pool (setAnchors)
    names: { model: init.model, adapters: init.adapters?.join(', ') || init.model },
  });
  const info: WorkerReadyInfo = {
    backend: report.active,
    config: bundle.config,
    storedClasses: [...(bundle.checkpoint?.anchors.keys() ?? [])],
    canComputeAnchors: Boolean(bundle.tokenizer && bundle.clip.text),
    loadSeconds: (performance.now() - t0) / 1000,
    imageSize: bundle.imageSize,
  };
  return { state: detector, info };
}

async function serve(detector: AAClipDetector, req: WorkerRequest & { id: number }): Promise<RpcResult> {
  switch (req.type) {
    case 'anchors': {
      const a = detector.anchors(req.className);
      const data = ((await a.data()) as Float32Array).slice(); // a copy: some backends hand out their own storage
      return { result: { shape: [...a.shape], data }, transfer: [data.buffer as ArrayBuffer] };
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
      return { result: out, transfer };
    }
    case 'memory': {
      const m = tf.memory();
      return { result: { numTensors: m.numTensors, numBytes: m.numBytes } };
    }
    default:
      throw new Error(`pool-worker: unknown request ${JSON.stringify((req as { type?: unknown }).type)}`);
  }
}

serveRpc<WorkerRequest & { id: number }, AAClipDetector, WorkerReadyInfo>(load, serve);

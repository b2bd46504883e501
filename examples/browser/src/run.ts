// Detection runs shared by the page and the programmatic hook.
import type { UrlProgressCallback } from '@aaclip/backend-web';
import * as tf from '@tensorflow/tfjs-core';
import type { Detection } from '@aaclip/core';
import type { BackendChoice, BatchRequest, BatchResponse, ModelRequest } from './hook-types';
import type { LoadedImage } from './images';
import type { ActiveDetector, DetectorSession } from './session';

export interface RunResult {
  detection: Detection;
  active: ActiveDetector;
  detectMs: number;
}

/**
 * Detects anomalies in one image with the session's detector for `model` (loaded if needed).
 *
 * @example const { detection } = await detectImage(session, { backend: 'auto' }, image, 'carpet');
 */
export async function detectImage(
  session: DetectorSession,
  model: ModelRequest & { backend: BackendChoice },
  image: LoadedImage,
  className: string,
  domain: 'industrial' | 'medical' = 'industrial',
  onProgress?: UrlProgressCallback,
): Promise<RunResult> {
  if (typeof className !== 'string' || className.trim() === '') throw new Error(`class name must be a non-empty string, got ${JSON.stringify(className)}`);
  const active = await session.get(model, onProgress);
  const t0 = performance.now();
  const [detection] = await active.detector.detect(image.raw, { className: className.trim(), domain }); // one image, one result
  return { detection: detection!, active, detectMs: performance.now() - t0 };
}

/**
 * Runs the detector on a preprocessed batch (for numerical checks against reference outputs).
 *
 * @example const r = await detectBatch(session, { shape: [2, 140, 140, 3], data, className: 'bottle', backend: 'webgl' });
 */
export async function detectBatch(session: DetectorSession, req: BatchRequest & { backend: BackendChoice }, onProgress?: UrlProgressCallback): Promise<BatchResponse> {
  const [b, h, w, c] = req.shape;
  if (req.shape.length !== 4 || h !== w || c !== 3 || req.data.length !== b * h * w * c) {
    throw new Error(`detectBatch: shape must be [B, S, S, 3] matching data (${req.data.length} values), got [${req.shape.join(', ')}]`);
  }
  const active = await session.get(req, onProgress);
  const x = tf.tensor4d(Float32Array.from(req.data), req.shape);
  try {
    const t0 = performance.now();
    const res = await active.detector.detect(x, { className: req.className });
    return {
      backend: active.backend,
      size: res[0]!.size,
      anomalyMaps: res.map((r) => Array.from(r.anomalyMap)),
      imageScores: res.map((r) => r.imageScore),
      detectMs: performance.now() - t0,
    };
  } finally {
    x.dispose();
  }
}

// Simple synthetic defects for trainer tests: smooth textures, anomalous ones with a bright
// square (mask = the square), and anchors from two tiny raw-token "sentences" per state.
import type * as tf from '@tensorflow/tfjs-core';
import { mulberry32, type AAClipModel } from '../packages/core/src/aaclip/aaclip-model';
import type { TrainingSample, TrainingSource } from '../packages/core/src/aaclip/trainer';

/** Smooth random texture; anomalous images get a bright or dark square, mask = the square. */
export function simpleSample(seed: number, anomalous: boolean, SIZE: number): TrainingSample {
  const r = mulberry32(seed);
  const data = new Uint8Array(SIZE * SIZE * 3);
  const base = [80 + r() * 60, 80 + r() * 60, 80 + r() * 60];
  const fx = 0.2 + r() * 0.3;
  const fy = 0.2 + r() * 0.3;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = Math.round(base[c]! + 25 * Math.sin(fx * x + c) * Math.cos(fy * y) + r() * 10);
  let mask: Uint8Array | null = null;
  if (anomalous) {
    mask = new Uint8Array(SIZE * SIZE);
    const s = 10 + Math.floor(r() * 10);
    const x0 = Math.floor(r() * (SIZE - s));
    const y0 = Math.floor(r() * (SIZE - s));
    const v = 235 + Math.floor(r() * 20); // bright: after LayerNorm a dark and a bright flat patch point in opposite directions
    for (let y = y0; y < y0 + s; y++)
      for (let x = x0; x < x0 + s; x++) {
        mask[y * SIZE + x] = 1;
        for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = v;
      }
  }
  return { image: { width: SIZE, height: SIZE, data }, mask, label: anomalous ? 1 : 0, className: 'bottle' };
}

export function source(n: number, seed: number, size: number): TrainingSource & { samples: TrainingSample[] } {
  const samples = Array.from({ length: n }, (_, i) => simpleSample(seed * 1000 + i, i % 2 === 1, size));
  return { length: n, get: (i) => samples[i]!, samples };
}

export const promptTokens = (() => {
  // two tiny "sentences" per state, as raw ids (SOT, word, EOT)
  const row = (w: number): number[] => [49406, w, 49407, ...new Array(74).fill(0)];
  return new Map([['bottle', { normal: Int32Array.from([...row(1000), ...row(1001)]), abnormal: Int32Array.from([...row(2000), ...row(2001)]) }]]);
})();

export function anchorsFor(model: AAClipModel): Map<string, tf.Tensor2D> {
  const t = promptTokens.get('bottle')!;
  return new Map([['bottle', model.anchorsFromTokens(t.normal, t.abnormal)]]);
}


// Runs on wasm whatever the test project: what it measures is tfjs-wasm's heap (XNNPACK keeps
// a packed copy of every weight it multiplies by), so a cpu run has nothing to measure. The
// packer under test is this package's (wasm-inference-weights.ts), plugged into core's build.
import { ClipModel, setInferenceWeightPacker, type ClipConfig, type InferenceWeightPacker } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectOneWeightCopy } from '../../../../test-utils/wasm-heap';
import { wasmInferenceWeightPacker } from './wasm-inference-weights';

let prev: InferenceWeightPacker | null = null;
beforeAll(() => {
  prev = setInferenceWeightPacker(wasmInferenceWeightPacker);
});
afterAll(() => {
  setInferenceWeightPacker(prev);
});

describe('inference-only CLIP weights on wasm', () => {
  it('hold one copy of the linear weights on wasm, not the original plus XNNPACK\'s packed copy', async () => {
    // 4 blocks of width 512: 50.3 MB of linear weights (everything else is < 0.2 MB)
    const cfg: ClipConfig = { embedDim: 256, activation: 'gelu', vision: { imageSize: 32, patchSize: 16, width: 512, layers: 4, heads: 8 } };
    const weights = randomClipWeights(cfg, 1, { visionOnly: true });
    await expectOneWeightCopy(async (inferenceOnly) => ClipModel.fromWeights(weights, cfg, { inferenceOnly }), 4 * 12 * 512 * 512 * 4, 'build + forward');
  });
});

// Loading from a file holds one copy of the weights on wasm: the streamed reader hands the
// builder one tensor at a time, and an inference-only build keeps only XNNPACK's packed copy.
// Runs on wasm whatever the test project (it measures tfjs-wasm's heap).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CHECKPOINT_FORMAT, writeSafetensors } from '@aaclip/core/weights';
import { randomClipWeights } from '@aaclip/core/train';
import { type ClipConfig } from '@aaclip/core';
import { expectOneWeightCopy } from '../../../test-utils/wasm-heap';
import { loadClip } from './weights-io';

const dir = mkdtempSync(join(tmpdir(), 'aaclip-load-heap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading weights from a file on wasm', () => {
  it('holds one copy of the weights on wasm through load and forward (inferenceOnly)', async () => {
    // 4 blocks of width 512: 48 MiB of linear weights, written as a .safetensors file
    const cfg: ClipConfig = { embedDim: 256, activation: 'gelu', vision: { imageSize: 32, patchSize: 16, width: 512, layers: 4, heads: 8 } };
    const file = join(dir, 'w512.safetensors');
    const w = randomClipWeights(cfg, 2, { visionOnly: true });
    writeFileSync(file, writeSafetensors(new Map([...w].map(([k, v]) => [k, { dtype: 'float32' as const, shape: v.shape, data: v.data as Float32Array }])), { format: CHECKPOINT_FORMAT, clip_config: JSON.stringify(cfg) }));
    w.clear();
    await expectOneWeightCopy(async (inferenceOnly) => (await loadClip(file, { visionOnly: true, inferenceOnly })).clip, 4 * 12 * 512 * 512 * 4, 'load + forward');
  });
});

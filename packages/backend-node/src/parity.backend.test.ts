import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixture, tinyFixtureDir } from '../../../test-utils/fixtures';
import { runParity, type ParityResult } from './parity';

const backend = process.env.AACLIP_TEST_BACKEND ?? 'cpu';

function expectAllOk(res: ParityResult): void {
  const failed = res.rows.filter((r) => !r.ok).map((r) => `${r.name}: ${r.maxAbsDiff} > ${r.tolerance}`);
  expect(failed).toEqual([]);
}

// Every output of the fixture README, within the README's tolerance, on this backend.
describe(`parity with the PyTorch reference (${backend})`, () => {
  it('computes every fixture output from the OpenAI safetensors and adapters.safetensors', async () => {
    const before = tf.memory().numTensors;
    const res = await runParity({ fixture: tinyFixtureDir });
    expectAllOk(res);
    const names = res.rows.map((r) => r.name);
    // the complete list of output families the README defines
    for (const prefix of ['tokens', 'text.original', 'text.adapted', 'anchors.adapted.', 'anchors.original.', 'image.pooled', 'image.tokens.L', 'surgery.tokens.L', 'stage1.patch.L', 'stage1.loss', 'stage1.loss_all_levels', 'stage1.orthogonal', 'stage1.grad.', 'stage1.adam1.', 'stage2.seg.L', 'stage2.det', 'stage2.ce', 'stage2.seg_loss', 'stage2.loss', 'stage2.softmax_map.', 'stage2.grad.', 'stage2.adam1.', 'test.level_maps.industrial', 'test.anomaly_map.industrial', 'test.anomaly_map.medical', 'test.image_pred', 'preprocess.image', 'preprocess.mask', 'metrics.pixel_aupro_0.3', 'metrics.official_metrics_eval_medical.image AP']) {
      expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
    expect(res.rows.length).toBe(82);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same outputs from the official text_adapter.pth + image_adapter_1.pth', async () => {
    const res = await runParity({ fixture: tinyFixtureDir, adapters: [fixture('text_adapter.pth'), fixture('image_adapter_1.pth')], only: backend === 'cpu' ? ['stage2.seg', 'stage2.det', 'text.adapted', 'test.'] : undefined });
    expectAllOk(res);
  });

  for (const w of ['clip-hf.safetensors', 'clip-openai.pt', 'clip-openai-jit.pt']) {
    it(`gives the same outputs from ${w}`, async () => {
      // cpu is ~8x slower than wasm: there it checks the towers, wasm checks everything
      const only = backend === 'cpu' ? ['text.original', 'image.', 'surgery.'] : undefined;
      const res = await runParity({ fixture: tinyFixtureDir, weights: fixture(w), only });
      expectAllOk(res);
      expect(res.rows.length).toBeGreaterThan(only ? 10 : 80);
    });
  }
});

// WebGPU in Node through Dawn (the `webgpu` package): backend selection and the demo detector
// on it. The machine has no GPU, so Dawn runs on Chromium's SwiftShader Vulkan driver (a CPU
// implementation of Vulkan), which `auto` must skip and an explicit 'webgpu' must accept.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attentionModeInUse, normalizeClip } from '@aaclip/core';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../test-utils/fixtures';
import { formatBackendReport, useBackend } from './backend';
import { loadDetector } from './model-bundle';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'; // Debian's chromium package
const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');

async function detectDemo(): Promise<{ map: Float32Array; score: number }> {
  const { detector } = await loadDetector({ model: MODEL });
  const size = 64;
  const img = addDefect(generateTexture('tiles', size, 3), 'scratch', 4).image;
  const input = tf.tensor4d(normalizeClip(img), [1, size, size, 3]);
  const [d] = await detector.detect(input, { className: 'tiles' });
  input.dispose();
  detector.dispose();
  return { map: d!.anomalyMap, score: d!.score };
}

describe('WebGPU in Node (Dawn)', () => {
  it('needs the SwiftShader Vulkan driver of Debian chromium on this machine', () => {
    expect(existsSync(SWIFTSHADER_ICD)).toBe(true);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD; // read by the Vulkan loader when Dawn starts
  });

  it('auto skips a software adapter, naming it, and lands on wasm', async () => {
    const report = await useBackend('auto');
    expect(report.active).toBe('wasm');
    const webgpu = report.skipped.find((s) => s.name === 'webgpu');
    expect(webgpu?.reason).toMatch(/only a software adapter was found \(.*swiftshader.*\)/);
    expect(formatBackendReport(report)).toMatch(/^backend wasm \(requested|^backend wasm \(auto/);
  });

  it('runs the demo detector on the webgpu backend with the same map as wasm', async () => {
    await useBackend('wasm');
    const ref = await detectDemo();
    const report = await useBackend('webgpu');
    expect(report.tfjsName).toBe('webgpu');
    expect(report.adapter).toMatch(/swiftshader/);
    expect(formatBackendReport(report)).toMatch(/^backend webgpu on .*swiftshader/);
    expect(attentionModeInUse()).toBe('batched'); // one batched product for all heads on a GPU backend
    const start = tf.memory().numTensors;
    const got = await detectDemo();
    expect(tf.memory().numTensors).toBe(start);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < ref.map.length; i++) {
      scale = Math.max(scale, Math.abs(ref.map[i]!));
      diff = Math.max(diff, Math.abs(ref.map[i]! - got.map[i]!));
    }
    console.log(`webgpu (SwiftShader) vs wasm: map max |diff| / max |map| = ${(diff / scale).toExponential(2)}, score ${got.score} vs ${ref.score}`);
    expect(got.map.length).toBe(ref.map.length);
    expect(diff / scale).toBeLessThan(1e-4);
    expect(Math.abs(got.score - ref.score)).toBeLessThan(1e-4);
  });
});

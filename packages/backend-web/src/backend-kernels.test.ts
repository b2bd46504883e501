// useWebBackend and the fused kernels of @aaclip/kernels: the chosen backend's entry is loaded
// (and registers its kernels on import) unless `fusedKernels: false`; the wasm inference-weight
// packer is plugged in either way. The kernels come from their build (`npx tsup` in packages/kernels).
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNEL_NAMES, setInferenceWeightPacker } from '@aaclip/core';
import { wasmInferenceWeightPacker } from '@aaclip/kernels';
import { registerFusedKernels, unregisterFusedKernels, wasmSimdSupported } from '@aaclip/kernels/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWebBackend, type BackendActivator } from './backend';
import type { FeatureProbes, WebBackendName } from './feature-probes';

const allThere: FeatureProbes = { webgpu: async () => null, webgl: async () => null, wasm: async () => null };

/** An activator that starts nothing and reports `name` as tfjs' backend. */
function pretend(): BackendActivator {
  let active = 'cpu';
  return {
    activate: async (name: WebBackendName) => {
      active = name;
      return null;
    },
    suitable: async () => null,
    current: () => active,
  };
}

const registered = (backend: string) => FUSED_KERNEL_NAMES.filter((n) => tf.getKernel(n, backend) !== undefined);

afterAll(() => {
  registerFusedKernels('wasm');
  setInferenceWeightPacker(wasmInferenceWeightPacker);
});

describe('useWebBackend and the fused kernels', () => {
  it('fusedKernels: false leaves the registry as it is, and still plugs in the wasm weight packer', async () => {
    unregisterFusedKernels('wasm');
    setInferenceWeightPacker(null);
    const r = await useWebBackend('wasm', { probes: allThere, activator: pretend(), fusedKernels: false, log: false });
    expect(r.tfjsName).toBe('wasm');
    expect(registered('wasm')).toEqual([]);
    expect(setInferenceWeightPacker(null)).toBe(wasmInferenceWeightPacker);
  });

  it('by default loads the chosen backend\'s kernels, which register on import', async () => {
    expect(registered('wasm')).toEqual([]);
    await useWebBackend('wasm', { probes: allThere, activator: pretend(), log: false });
    expect(registered('wasm')).toEqual(wasmSimdSupported() ? [...FUSED_KERNEL_NAMES] : ['AAClipHeadSlice']);
    expect(setInferenceWeightPacker(null)).toBe(wasmInferenceWeightPacker);
  });

  it('webgl has none: its composite ops run', async () => {
    const r = await useWebBackend('webgl', { probes: allThere, activator: pretend(), log: false });
    expect(r.tfjsName).toBe('webgl');
    expect(registered('webgl')).toEqual([]);
  });
});

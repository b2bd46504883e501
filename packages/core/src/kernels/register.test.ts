// Core's deprecated registerFusedKernels / unregisterFusedKernels: the kernels themselves are
// registered by @aaclip/kernels/tfjs (imported by the test setup, as the runtimes import it);
// core's names report and remove them.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FUSED_KERNEL_NAMES, LAYER_NORM } from './names';
import { registerFusedKernels, unregisterFusedKernels } from './register';

describe('registerFusedKernels / unregisterFusedKernels (deprecated aliases)', () => {
  it('report the fused kernels registered for a backend, and remove them', () => {
    expect(registerFusedKernels('cpu')).toEqual([...FUSED_KERNEL_NAMES]);
    expect(registerFusedKernels()).toEqual([...FUSED_KERNEL_NAMES]); // the active backend: cpu
    expect(registerFusedKernels('webgl')).toEqual([]);
    const saved = FUSED_KERNEL_NAMES.map((n) => tf.getKernel(n, 'cpu')!);
    try {
      unregisterFusedKernels('cpu');
      expect(registerFusedKernels('cpu')).toEqual([]);
      expect(tf.getKernel(LAYER_NORM, 'cpu')).toBeUndefined();
    } finally {
      for (const config of saved) if (!tf.getKernel(config.kernelName, 'cpu')) tf.registerKernel(config);
    }
    expect(registerFusedKernels('cpu')).toEqual([...FUSED_KERNEL_NAMES]);
  });
});

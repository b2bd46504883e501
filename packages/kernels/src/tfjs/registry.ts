import * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelName } from '@aaclip/core';

/** Registers the configs missing from tfjs' kernel registry (idempotent); returns their kernel names. */
export function registerConfigs(configs: tf.KernelConfig[]): FusedKernelName[] {
  for (const config of configs) if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  return configs.map((c) => c.kernelName as FusedKernelName);
}

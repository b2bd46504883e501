/*
 * Registration of the fused kernels in tfjs' kernel registry, per backend (each backend's
 * `register...Kernels` lives with its kernels), after the feature check each needs: the cpu
 * kernels always (plain JS); on wasm, LayerNorm and the activations only where WebAssembly SIMD
 * validates (their scalar fallback is slower than tfjs-wasm's own kernels), with the
 * inference-weight packer; the WGSL kernels always, as
 * @tensorflow/tfjs-backend-webgpu registers its own: a registry entry runs only on an active
 * webgpu backend, whose registration already checked for WebGPU (in Node, Dawn's
 * `navigator.gpu` is installed only when the backend is chosen, after this module is imported).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FusedKernelName } from '@aaclip/core';
import { cpuKernelConfigs } from './cpu-kernels';
import { registerConfigs } from './registry';
import { wasmKernelConfigs } from './wasm-kernels';
import { webgpuKernelConfigs } from './webgpu-kernels';

const CONFIGS: Readonly<Record<string, () => tf.KernelConfig[]>> = {
  cpu: cpuKernelConfigs,
  wasm: wasmKernelConfigs,
  webgpu: webgpuKernelConfigs, // webgl and tensorflow (tfjs-node): none, composite ops
};

/**
 * Registers the fused kernels (AAClipLayerNorm, AAClipGelu, AAClipQuickGelu, AAClipHeadSlice)
 * for `backendName` (default: the active backend) where they are missing, e.g. again after
 * `unregisterFusedKernels`: cpu (JS), wasm (a WebAssembly SIMD module on the backend's heap;
 * head slicing only where the engine lacks SIMD), webgpu (WGSL). Other backends get none and keep
 * the composite ops. Returns the names of the fused kernels now registered for that backend.
 * Importing `@aaclip/kernels/tfjs` has already registered them for every backend.
 *
 * @example
 * import { registerFusedKernels } from '@aaclip/kernels/tfjs';
 * registerFusedKernels('wasm');    // ['AAClipLayerNorm', 'AAClipGelu', 'AAClipQuickGelu', 'AAClipHeadSlice']
 * setFusedKernelsEnabled(false);   // (@aaclip/core) composite ops again (A/B), without unregistering
 */
export function registerFusedKernels(backendName: string = tf.getBackend()): FusedKernelName[] {
  return registerConfigs(CONFIGS[backendName]?.() ?? []);
}

/** Removes the fused kernels of `backendName` from the registry (for tests and A/B runs). */
export function unregisterFusedKernels(backendName: string = tf.getBackend()): void {
  for (const config of CONFIGS[backendName]?.() ?? []) {
    if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
  }
}

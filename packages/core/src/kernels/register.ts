import * as tf from '@tensorflow/tfjs-core';
import { cpuKernelConfigs, wasmKernelConfigs } from './cpu-wasm-kernels';
import type { FusedKernelName } from './names';
import { webgpuKernelConfigs } from './webgpu-kernels';

function configsFor(backendName: string): tf.KernelConfig[] {
  switch (backendName) {
    case 'cpu':
      return cpuKernelConfigs();
    case 'wasm':
      return wasmKernelConfigs();
    case 'webgpu':
      return webgpuKernelConfigs();
    default:
      return []; // webgl, tensorflow (tfjs-node): composite ops
  }
}

/**
 * Registers this package's fused kernels (AAClipLayerNorm, AAClipGelu, AAClipQuickGelu,
 * AAClipHeadSlice) in tfjs' kernel registry for `backendName` (default: the active backend):
 * cpu (JS), wasm (a WebAssembly SIMD module on the backend's heap; head slicing only where the
 * engine lacks SIMD) and webgpu (WGSL). Other backends get none and keep the composite ops.
 * Idempotent; returns the names of the fused kernels now registered for that backend.
 *
 * @example
 * await tf.setBackend('wasm');
 * registerFusedKernels();          // ['AAClipLayerNorm', 'AAClipGelu', 'AAClipQuickGelu', 'AAClipHeadSlice']
 * setFusedKernelsEnabled(false);   // composite ops again (A/B), without unregistering
 */
export function registerFusedKernels(backendName: string = tf.getBackend()): FusedKernelName[] {
  const names: FusedKernelName[] = [];
  for (const config of configsFor(backendName)) {
    if (!tf.getKernel(config.kernelName, backendName)) tf.registerKernel(config);
    names.push(config.kernelName as FusedKernelName);
  }
  return names;
}

/** Removes the fused kernels of `backendName` from the registry (for tests and A/B runs). */
export function unregisterFusedKernels(backendName: string = tf.getBackend()): void {
  for (const config of configsFor(backendName)) {
    if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
  }
}

import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNEL_NAMES, type FusedKernelName } from './names';

/*
 * The fused kernels themselves belong to the runtimes: `@aaclip/kernels/tfjs` (or its
 * `/tfjs-cpu`, `/tfjs-wasm`, `/tfjs-webgpu` entries) registers them in tfjs' kernel registry when
 * imported, as tfjs backends register theirs; @aaclip/backend-node and @aaclip/backend-web import
 * it. Core only names them (names.ts) and calls them where registered (fused-ops.ts). The two
 * functions below keep the names core exported before the move, for one release.
 */

/**
 * The fused kernels registered for `backendName` (default: the active backend).
 *
 * @deprecated The kernels are registered when `@aaclip/kernels/tfjs` is imported (backend-node
 * and backend-web import it); this only reports which are. To register them explicitly, call
 * `registerFusedKernels` of `@aaclip/kernels/tfjs`; to turn them off for an A/B run,
 * `setFusedKernelsEnabled(false)`.
 */
export function registerFusedKernels(backendName: string = tf.getBackend()): FusedKernelName[] {
  return FUSED_KERNEL_NAMES.filter((name) => tf.getKernel(name, backendName) !== undefined);
}

/**
 * Removes the fused kernels of `backendName` from tfjs' registry.
 *
 * @deprecated Use `unregisterFusedKernels` of `@aaclip/kernels/tfjs`, or
 * `setFusedKernelsEnabled(false)` for an A/B run.
 */
export function unregisterFusedKernels(backendName: string = tf.getBackend()): void {
  for (const name of FUSED_KERNEL_NAMES) if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
}

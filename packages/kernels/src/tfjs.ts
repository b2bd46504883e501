/**
 * @aaclip/kernels/tfjs: the fused kernels (LayerNorm, GELU/QuickGELU + bias, attention head
 * slices) for tfjs' cpu, wasm and webgpu backends, registered in tfjs' kernel registry when this
 * module is imported, as tfjs backends register theirs (each after its feature check: see
 * tfjs/register.ts). Core's ops (`layerNorm`, `biasActivation`, `headSlice`) run them where
 * registered and enabled (`setFusedKernelsEnabled`), else composite tfjs ops. One backend's
 * alone: `@aaclip/kernels/tfjs-cpu`, `/tfjs-wasm`, `/tfjs-webgpu`.
 *
 * @example
 * import '@aaclip/kernels/tfjs';
 */
import { registerCpuKernels } from './tfjs/cpu-kernels';
import { registerWasmKernels } from './tfjs/wasm-kernels';
import { registerWebgpuKernels } from './tfjs/webgpu-kernels';

registerCpuKernels();
registerWasmKernels();
registerWebgpuKernels();

export { registerFusedKernels, unregisterFusedKernels } from './tfjs/register';
export { wasmSimdSupported } from './tfjs/wasm-simd';

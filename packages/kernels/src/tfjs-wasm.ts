/**
 * @aaclip/kernels/tfjs-wasm: registers the fused kernels for tfjs' wasm backend when imported
 * (see tfjs/register.ts; `@aaclip/kernels/tfjs` registers those of every backend).
 *
 * @example
 * import '@aaclip/kernels/tfjs-wasm';
 */
import { registerWasmKernels } from './tfjs/wasm-kernels';

registerWasmKernels();

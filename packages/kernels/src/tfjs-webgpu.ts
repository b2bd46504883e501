/**
 * @aaclip/kernels/tfjs-webgpu: registers the fused kernels for tfjs' webgpu backend when imported
 * (see tfjs/register.ts; `@aaclip/kernels/tfjs` registers those of every backend).
 *
 * @example
 * import '@aaclip/kernels/tfjs-webgpu';
 */
import { registerWebgpuKernels } from './tfjs/webgpu-kernels';

registerWebgpuKernels();

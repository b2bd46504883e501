/**
 * @aaclip/kernels/tfjs-cpu: registers the fused kernels for tfjs' cpu backend when imported
 * (see tfjs/register.ts; `@aaclip/kernels/tfjs` registers those of every backend).
 *
 * @example
 * import '@aaclip/kernels/tfjs-cpu';
 */
import { registerCpuKernels } from './tfjs/cpu-kernels';

registerCpuKernels();

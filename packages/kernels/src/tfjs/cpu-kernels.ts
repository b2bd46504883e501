/*
 * Fused kernels for tfjs' cpu backend, typed structurally (this package does not import
 * @tensorflow/tfjs-backend-cpu): the backend keeps each tensor's values in `data.get(dataId)`.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU, type FusedKernelName, type HeadSliceAttrs } from '@aaclip/core';
import { headSliceShape, needInput, optionalInput, shapeSize, type KernelArgs } from './kernel-args';
import { activationJs, headSliceJs, layerNormJs } from './js-kernels';
import { registerConfigs } from './registry';

type Args = KernelArgs;

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function cpuValues(be: CpuBackendLike, t: TensorInfo): Float32Array {
  const v = be.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array)) throw new Error('fused kernel (cpu): tensor values are not a Float32Array');
  return v;
}

const cpuLayerNorm = (({ inputs, attrs, backend }: Args) => {
  const be = backend as CpuBackendLike;
  const x = needInput(inputs, 'x', LAYER_NORM);
  const gamma = cpuValues(be, needInput(inputs, 'gamma', LAYER_NORM));
  const beta = cpuValues(be, needInput(inputs, 'beta', LAYER_NORM));
  const cols = x.shape[x.shape.length - 1] ?? 1;
  const out = new Float32Array(shapeSize(x.shape));
  const rows = cols === 0 ? 0 : out.length / cols;
  layerNormJs([cpuValues(be, x), 0], [gamma, 0], [beta, 0], [out, 0], rows, cols, (attrs as { eps: number }).eps);
  return be.makeTensorInfo([...x.shape], 'float32', out);
}) as unknown as KernelFunc;

function cpuActivation(kind: 'gelu' | 'quick_gelu', name: string): KernelFunc {
  return (({ inputs, backend }: Args) => {
    const be = backend as CpuBackendLike;
    const x = needInput(inputs, 'x', name);
    const bias = optionalInput(inputs, 'bias', name);
    const n = shapeSize(x.shape);
    const cols = x.shape[x.shape.length - 1] ?? 1;
    const out = new Float32Array(n);
    activationJs(kind, [cpuValues(be, x), 0], bias ? [cpuValues(be, bias), 0] : null, [out, 0], n, cols);
    return be.makeTensorInfo([...x.shape], 'float32', out);
  }) as unknown as KernelFunc;
}

const cpuHeadSlice = (({ inputs, attrs, backend }: Args) => {
  const be = backend as CpuBackendLike;
  const a = attrs as unknown as HeadSliceAttrs;
  const x = needInput(inputs, 'x', HEAD_SLICE);
  const bias = optionalInput(inputs, 'bias', HEAD_SLICE);
  const shape = headSliceShape(x, a);
  const out = new Float32Array(shapeSize(shape));
  headSliceJs([cpuValues(be, x), 0], x.shape[1]!, bias ? [cpuValues(be, bias), 0] : null, [out, 0], a);
  return be.makeTensorInfo(shape, 'float32', out);
}) as unknown as KernelFunc;

/** The cpu backend's fused kernels. */
export function cpuKernelConfigs(): KernelConfig[] {
  return [
    { kernelName: LAYER_NORM, backendName: 'cpu', kernelFunc: cpuLayerNorm },
    { kernelName: GELU, backendName: 'cpu', kernelFunc: cpuActivation('gelu', GELU) },
    { kernelName: QUICK_GELU, backendName: 'cpu', kernelFunc: cpuActivation('quick_gelu', QUICK_GELU) },
    { kernelName: HEAD_SLICE, backendName: 'cpu', kernelFunc: cpuHeadSlice },
  ];
}

/** Registers the cpu backend's fused kernels (what importing `@aaclip/kernels/tfjs-cpu` does). */
export function registerCpuKernels(): FusedKernelName[] {
  return registerConfigs(cpuKernelConfigs());
}

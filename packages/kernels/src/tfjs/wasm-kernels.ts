/*
 * Fused kernels for tfjs' cpu and wasm backends. The backends are typed structurally (core
 * imports neither package): the cpu backend keeps each tensor's values in `data.get(dataId)`;
 * the wasm backend keeps them on its heap at `dataIdMap.get(dataId).memoryOffset`, makes outputs
 * with `makeOutput`, and its `wasm.asm.memory` is the WebAssembly.Memory the SIMD module imports.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { needInput, optionalInput, shapeSize, type KernelArgs } from './kernel-args';
import { activationJs, headSliceJs, layerNormJs } from './js-kernels';
import { GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU, type HeadSliceAttrs } from './names';
import { fusedWasmFor, wasmSimdSupported, type FusedWasmExports } from './wasm-simd';

type Args = KernelArgs;

function headSliceShape(x: TensorInfo, a: HeadSliceAttrs): number[] {
  if (x.shape.length !== 2) throw new Error(`${HEAD_SLICE}: x must be 2-D, got [${x.shape}]`);
  const [R, C] = x.shape as [number, number];
  if (a.row < 0 || a.rows < 0 || a.row + a.rows > R || a.col < 0 || a.cols < 0 || a.col + a.cols > C) {
    throw new Error(`${HEAD_SLICE}: block rows ${a.row}+${a.rows}, cols ${a.col}+${a.cols} is outside [${R}, ${C}]`);
  }
  return a.transpose ? [a.cols, a.rows] : [a.rows, a.cols];
}

// ---------------------------------------------------------------- cpu

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

// ---------------------------------------------------------------- wasm

interface WasmBackendLike {
  wasm: { HEAPF32: Float32Array; asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

/** Byte offset of a tensor on the wasm heap. */
function offsetOf(be: WasmBackendLike, t: TensorInfo): number {
  const d = be.dataIdMap.get(t.dataId);
  if (!d) throw new Error('fused kernel (wasm): tensor is not on the wasm backend');
  return d.memoryOffset >>> 0;
}

function simdOf(be: WasmBackendLike): FusedWasmExports | null {
  return fusedWasmFor(be.wasm.asm?.memory);
}

const wasmLayerNorm = (({ inputs, attrs, backend }: Args) => {
  const be = backend as WasmBackendLike;
  const x = needInput(inputs, 'x', LAYER_NORM);
  const gamma = needInput(inputs, 'gamma', LAYER_NORM);
  const beta = needInput(inputs, 'beta', LAYER_NORM);
  const eps = (attrs as { eps: number }).eps;
  const out = be.makeOutput([...x.shape], 'float32');
  const n = shapeSize(x.shape);
  if (n === 0) return out;
  const cols = x.shape[x.shape.length - 1]!;
  const rows = n / cols;
  const [xo, go, bo, oo] = [x, gamma, beta, out].map((t) => offsetOf(be, t)) as [number, number, number, number];
  const simd = simdOf(be);
  if (simd && cols % 4 === 0) simd.layer_norm(xo, go, bo, oo, rows, cols, eps);
  else {
    const h = be.wasm.HEAPF32;
    layerNormJs([h, xo >>> 2], [h, go >>> 2], [h, bo >>> 2], [h, oo >>> 2], rows, cols, eps);
  }
  return out;
}) as unknown as KernelFunc;

function wasmActivation(kind: 'gelu' | 'quick_gelu', name: string): KernelFunc {
  return (({ inputs, backend }: Args) => {
    const be = backend as WasmBackendLike;
    const x = needInput(inputs, 'x', name);
    const bias = optionalInput(inputs, 'bias', name);
    const out = be.makeOutput([...x.shape], 'float32');
    const n = shapeSize(x.shape);
    if (n === 0) return out;
    const cols = x.shape[x.shape.length - 1]!;
    const xo = offsetOf(be, x);
    const oo = offsetOf(be, out);
    const bo = bias ? offsetOf(be, bias) : 0;
    const simd = simdOf(be);
    if (simd && bias && cols % 4 === 0) simd[kind](xo, bo, oo, n / cols, cols);
    else if (simd && !bias && n % 4 === 0) simd[`${kind}_nb`](xo, oo, n);
    else {
      const h = be.wasm.HEAPF32;
      activationJs(kind, [h, xo >>> 2], bias ? [h, bo >>> 2] : null, [h, oo >>> 2], n, cols);
    }
    return out;
  }) as unknown as KernelFunc;
}

const wasmHeadSlice = (({ inputs, attrs, backend }: Args) => {
  const be = backend as WasmBackendLike;
  const a = attrs as unknown as HeadSliceAttrs;
  const x = needInput(inputs, 'x', HEAD_SLICE);
  const bias = optionalInput(inputs, 'bias', HEAD_SLICE);
  const out = be.makeOutput(headSliceShape(x, a), 'float32');
  if (a.rows === 0 || a.cols === 0) return out;
  const width = x.shape[1]!;
  const xo = offsetOf(be, x);
  const oo = offsetOf(be, out);
  const bo = bias ? offsetOf(be, bias) : 0;
  const simd = simdOf(be);
  const src = xo + 4 * (a.row * width + a.col);
  const b = bo + 4 * a.col;
  if (simd && a.transpose && a.scale === 1) simd.block_t(src, width, b, oo, a.rows, a.cols, bias ? 1 : 0);
  else if (simd && !a.transpose && a.cols % 4 === 0) simd.block(src, width, b, oo, a.rows, a.cols, a.scale, bias ? 1 : 0);
  else {
    const h = be.wasm.HEAPF32;
    headSliceJs([h, xo >>> 2], width, bias ? [h, bo >>> 2] : null, [h, oo >>> 2], a);
  }
  return out;
}) as unknown as KernelFunc;

/**
 * The wasm backend's fused kernels. LayerNorm and the activations only where WebAssembly SIMD
 * runs: their scalar JS fallback is slower than tfjs-wasm's own SIMD kernels.
 */
export function wasmKernelConfigs(): KernelConfig[] {
  const head: KernelConfig = { kernelName: HEAD_SLICE, backendName: 'wasm', kernelFunc: wasmHeadSlice };
  if (!wasmSimdSupported()) return [head];
  return [
    { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: wasmLayerNorm },
    { kernelName: GELU, backendName: 'wasm', kernelFunc: wasmActivation('gelu', GELU) },
    { kernelName: QUICK_GELU, backendName: 'wasm', kernelFunc: wasmActivation('quick_gelu', QUICK_GELU) },
    head,
  ];
}

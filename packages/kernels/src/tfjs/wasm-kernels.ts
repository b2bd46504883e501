/*
 * Fused kernels for tfjs' wasm backend, typed structurally (this package does not import
 * @tensorflow/tfjs-backend-wasm): the backend keeps tensors on its heap at
 * `dataIdMap.get(dataId).memoryOffset`, makes outputs with `makeOutput`, and its
 * `wasm.asm.memory` is the WebAssembly.Memory the SIMD module (wasm-simd.ts) imports.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU, setInferenceWeightPacker, type FusedKernelName, type HeadSliceAttrs } from '@aaclip/core';
import { headSliceShape, needInput, optionalInput, shapeSize, type KernelArgs } from './kernel-args';
import { activationJs, headSliceJs, layerNormJs } from './js-kernels';
import { registerConfigs } from './registry';
import { wasmInferenceWeightPacker } from './wasm-inference-weights';
import { fusedWasmFor, wasmSimdSupported, type FusedWasmExports } from './wasm-simd';

type Args = KernelArgs;

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

/**
 * Registers the wasm backend's fused kernels (all four where SIMD validates, else head slicing
 * only) and its inference-weight packer (what importing `@aaclip/kernels/tfjs-wasm` does).
 */
export function registerWasmKernels(): FusedKernelName[] {
  setInferenceWeightPacker(wasmInferenceWeightPacker);
  return registerConfigs(wasmKernelConfigs());
}

/*
 * Fused kernels for tfjs' WebGPU backend: WGSL programs run through the backend's
 * `runWebGPUProgram` (typed structurally; this package does not import @tensorflow/tfjs-backend-webgpu).
 * tfjs wraps each program's `getUserCode()` with the bindings (`result`, one storage array per
 * name in `variableNames`), a `uniforms` struct (shapes, `size`, and the fields named in
 * `uniforms`) and an entry point that calls `main(index)`.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { needInput, optionalInput, shapeSize, type KernelArgs } from './kernel-args';
import { registerConfigs } from './registry';
import { GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU, type FusedKernelName, type HeadSliceAttrs } from '@aaclip/core';

interface ProgramUniform {
  type: 'int32' | 'float32';
  data: number[];
}

/** The fields of tfjs-webgpu's WebGPUProgram that a program sets. */
interface WebGPUProgramLike {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  workgroupSize: [number, number, number];
  size?: boolean;
  getUserCode(): string;
}

interface WebGPUBackendLike {
  runWebGPUProgram(program: WebGPUProgramLike, inputs: TensorInfo[], outputDtype: 'float32', uniforms?: ProgramUniform[]): TensorInfo;
}

type Args = KernelArgs;

const flatLayout = (shape: number[]): { x: number[] } => ({ x: shape.map((_, i) => i) });

/**
 * One workgroup per row, a tree reduction in workgroup memory per statistic. Control flow around
 * the barriers depends on nothing but constants (WGSL's uniformity rule); rows past the end (a
 * dispatch of more than 65535 workgroups is reshaped by tfjs and may round up) skip the memory
 * accesses only.
 */
function layerNormProgram(shape: number[], cols: number): WebGPUProgramLike {
  const rows = cols === 0 ? 0 : shapeSize(shape) / cols;
  const wg = cols >= 1024 ? 256 : cols >= 256 ? 128 : 64;
  return {
    outputShape: shape,
    shaderKey: `aaclip_layer_norm_${wg}`,
    dispatchLayout: flatLayout(shape),
    dispatch: [Math.max(1, rows), 1, 1],
    variableNames: ['x', 'gamma', 'beta'],
    uniforms: 'rows : i32, cols : i32, eps : f32,',
    workgroupSize: [wg, 1, 1],
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${wg}>;
      var<workgroup> stat : f32;
      const blockSize = ${wg};
      fn reduceSum(tid : i32, v : f32) -> f32 {
        buf[tid] = v;
        workgroupBarrier();
        for (var s = blockSize >> 1; s > 0; s = s >> 1) {
          if (tid < s) { buf[tid] = buf[tid] + buf[tid + s]; }
          workgroupBarrier();
        }
        if (tid == 0) { stat = buf[0]; }
        workgroupBarrier();
        let r = stat;
        workgroupBarrier();
        return r;
      }
      fn main(index : i32) {
        let row = index / blockSize;
        let tid = i32(localId.x);
        let cols = uniforms.cols;
        let valid = row < uniforms.rows;
        let base = row * cols;
        let n = f32(cols);
        var s = 0.0;
        if (valid) {
          for (var c = tid; c < cols; c = c + blockSize) { s = s + x[base + c]; }
        }
        let mean = reduceSum(tid, s) / n;
        var v = 0.0;
        if (valid) {
          for (var c = tid; c < cols; c = c + blockSize) { let d = x[base + c] - mean; v = v + d * d; }
        }
        let inv = 1.0 / sqrt(reduceSum(tid, v) / n + uniforms.eps);
        if (valid) {
          for (var c = tid; c < cols; c = c + blockSize) {
            result[base + c] = (x[base + c] - mean) * inv * gamma[c] + beta[c];
          }
        }
      }`,
  };
}

/** WGSL of the activations, in the composite's order; erf as tfjs-webgpu's Erf (Abramowitz & Stegun). */
const ACTIVATION_WGSL = `
  fn aaclipErf(a : f32) -> f32 {
    let p = 0.3275911;
    let a1 = 0.254829592;
    let a2 = -0.284496736;
    let a3 = 1.421413741;
    let a4 = -1.453152027;
    let a5 = 1.061405429;
    let absA = abs(a);
    let t = 1.0 / (1.0 + p * absA);
    return sign(a) * (1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * exp(-absA * absA));
  }
  fn aaclipGelu(u : f32) -> f32 { return (u * 0.5) * (aaclipErf(u * ${Math.fround(Math.SQRT1_2)}) + 1.0); }
  fn aaclipQuickGelu(u : f32) -> f32 { return u * (1.0 / (1.0 + exp(-1.0 * (u * 1.702)))); }
`;

function activationProgram(kind: 'gelu' | 'quick_gelu', shape: number[], withBias: boolean): WebGPUProgramLike {
  const wg = 128;
  const fn = kind === 'gelu' ? 'aaclipGelu' : 'aaclipQuickGelu';
  return {
    outputShape: shape,
    shaderKey: `aaclip_${kind}_${withBias ? 'bias' : 'nobias'}`,
    dispatchLayout: flatLayout(shape),
    dispatch: [Math.ceil(shapeSize(shape) / wg), 1, 1],
    variableNames: withBias ? ['x', 'bias'] : ['x'],
    uniforms: 'cols : i32,',
    workgroupSize: [wg, 1, 1],
    size: true,
    getUserCode: () => `
      ${ACTIVATION_WGSL}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${withBias ? 'let u = x[index] + bias[index % uniforms.cols];' : 'let u = x[index];'}
          result[index] = ${fn}(u);
        }
      }`,
  };
}

function headSliceProgram(outShape: number[], a: HeadSliceAttrs, withBias: boolean): WebGPUProgramLike {
  const wg = 128;
  return {
    outputShape: outShape,
    shaderKey: `aaclip_head_slice_${a.transpose ? 't' : 'n'}_${withBias ? 'bias' : 'nobias'}_${a.scale === 1 ? 'unscaled' : 'scaled'}`,
    dispatchLayout: flatLayout(outShape),
    dispatch: [Math.ceil(shapeSize(outShape) / wg), 1, 1],
    variableNames: withBias ? ['x', 'bias'] : ['x'],
    uniforms: 'row : i32, rows : i32, col : i32, cols : i32, width : i32, scale : f32,',
    workgroupSize: [wg, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${a.transpose ? 'let c = index / uniforms.rows; let r = index % uniforms.rows;' : 'let r = index / uniforms.cols; let c = index % uniforms.cols;'}
          var v = x[(uniforms.row + r) * uniforms.width + uniforms.col + c];
          ${withBias ? 'v = v + bias[uniforms.col + c];' : ''}
          ${a.scale === 1 ? '' : 'v = v * uniforms.scale;'}
          result[index] = v;
        }
      }`,
  };
}

const webgpuLayerNorm = ((args: Args) => {
  const be = args.backend as WebGPUBackendLike;
  const x = needInput(args.inputs, 'x', LAYER_NORM);
  const gamma = needInput(args.inputs, 'gamma', LAYER_NORM);
  const beta = needInput(args.inputs, 'beta', LAYER_NORM);
  const cols = x.shape[x.shape.length - 1] ?? 1;
  const rows = cols === 0 ? 0 : shapeSize(x.shape) / cols;
  const eps = (args.attrs as { eps: number }).eps;
  return be.runWebGPUProgram(layerNormProgram([...x.shape], cols), [x, gamma, beta], 'float32', [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [cols] },
    { type: 'float32', data: [eps] },
  ]);
}) as unknown as KernelFunc;

function webgpuActivation(kind: 'gelu' | 'quick_gelu', name: string): KernelFunc {
  return ((args: Args) => {
    const be = args.backend as WebGPUBackendLike;
    const x = needInput(args.inputs, 'x', name);
    const bias = optionalInput(args.inputs, 'bias', name);
    const cols = x.shape[x.shape.length - 1] ?? 1;
    return be.runWebGPUProgram(activationProgram(kind, [...x.shape], !!bias), bias ? [x, bias] : [x], 'float32', [{ type: 'int32', data: [cols] }]);
  }) as unknown as KernelFunc;
}

const webgpuHeadSlice = ((args: Args) => {
  const be = args.backend as WebGPUBackendLike;
  const a = args.attrs as unknown as HeadSliceAttrs;
  const x = needInput(args.inputs, 'x', HEAD_SLICE);
  const bias = optionalInput(args.inputs, 'bias', HEAD_SLICE);
  if (x.shape.length !== 2) throw new Error(`${HEAD_SLICE}: x must be 2-D, got [${x.shape}]`);
  const out = a.transpose ? [a.cols, a.rows] : [a.rows, a.cols];
  return be.runWebGPUProgram(headSliceProgram(out, a, !!bias), bias ? [x, bias] : [x], 'float32', [
    { type: 'int32', data: [a.row] },
    { type: 'int32', data: [a.rows] },
    { type: 'int32', data: [a.col] },
    { type: 'int32', data: [a.cols] },
    { type: 'int32', data: [x.shape[1]!] },
    { type: 'float32', data: [a.scale] },
  ]);
}) as unknown as KernelFunc;

/** The WebGPU backend's fused kernels. */
export function webgpuKernelConfigs(): KernelConfig[] {
  return [
    { kernelName: LAYER_NORM, backendName: 'webgpu', kernelFunc: webgpuLayerNorm },
    { kernelName: GELU, backendName: 'webgpu', kernelFunc: webgpuActivation('gelu', GELU) },
    { kernelName: QUICK_GELU, backendName: 'webgpu', kernelFunc: webgpuActivation('quick_gelu', QUICK_GELU) },
    { kernelName: HEAD_SLICE, backendName: 'webgpu', kernelFunc: webgpuHeadSlice },
  ];
}

/** Registers the webgpu backend's WGSL kernels (what importing `@aaclip/kernels/tfjs-webgpu` does). */
export function registerWebgpuKernels(): FusedKernelName[] {
  return registerConfigs(webgpuKernelConfigs());
}

import * as tf from '@tensorflow/tfjs-core';
import { compositeGelu, compositeHeadSlice, compositeLayerNorm, compositeQuickGelu } from './composite';
import { GELU, HEAD_SLICE, LAYER_NORM, QUICK_GELU, type FusedKernelName, type HeadSliceAttrs } from './names';

/*
 * Backend-agnostic op functions for the model's call sites. Each runs its custom kernel when
 * one is registered for the active backend (the runtimes register them: `@aaclip/kernels/tfjs`)
 * and fused kernels are enabled, else the composite tfjs ops. The fused forms carry a custom
 * gradient written with ordinary ops, so training works on every backend.
 */

/** tfjs environment flag: fused kernels on (default) or off (composite ops everywhere, for A/B). */
export const FUSED_KERNELS_FLAG = 'AACLIP_FUSED_KERNELS';

let flagRegistered = false;
function ensureFlag(): void {
  if (flagRegistered) return;
  // Registering again (another copy of this module) keeps a value already set.
  tf.env().registerFlag(FUSED_KERNELS_FLAG, () => true);
  flagRegistered = true;
}

/** Turns the fused kernels on or off for every backend (the tfjs flag AACLIP_FUSED_KERNELS). */
export function setFusedKernelsEnabled(enabled: boolean): void {
  ensureFlag();
  tf.env().set(FUSED_KERNELS_FLAG, enabled);
}

/** Whether fused kernels are enabled (they still run only where registered). */
export function fusedKernelsEnabled(): boolean {
  ensureFlag();
  return tf.env().getBool(FUSED_KERNELS_FLAG);
}

/** Whether `name` runs as a fused kernel on the active backend right now. */
export function fusedKernelActive(name: FusedKernelName): boolean {
  return fusedKernelsEnabled() && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Sum of `t` over every axis but the last, as a 1-D tensor. */
function sumToLast(t: tf.Tensor): tf.Tensor1D {
  const c = t.shape[t.shape.length - 1]!;
  return tf.sum(tf.reshape(t, [-1, c]), 0);
}

function checkLastAxis(what: string, x: tf.Tensor, v: tf.Tensor, name: string): void {
  const c = x.shape[x.shape.length - 1];
  if (v.rank !== 1 || v.shape[0] !== c) throw new Error(`${what}: ${name} has shape [${v.shape}], expected [${c}]`);
}

const layerNormFused = (eps: number) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, gamma]);
    return {
      value: tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { eps }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg] = saved as [tf.Tensor, tf.Tensor1D];
        // xhat = (x - mean) * rstd; dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma
        const { mean, variance } = tf.moments(sx, -1, true);
        const rstd = tf.rsqrt(tf.add(variance, eps));
        const xhat = tf.mul(tf.sub(sx, mean), rstd);
        const g = tf.mul(dy, sg);
        const dx = tf.mul(rstd, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))));
        return [dx, sumToLast(tf.mul(dy, xhat)), sumToLast(dy)];
      },
    };
  });

/**
 * LayerNorm over the last axis, `(x - mean) / sqrt(var + eps) * gamma + beta`, in one fused
 * kernel where registered (AAClipLayerNorm), else composite ops.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  checkLastAxis('layerNorm', x, gamma, 'gamma');
  checkLastAxis('layerNorm', x, beta, 'beta');
  if (x.dtype !== 'float32' || !fusedKernelActive(LAYER_NORM)) return compositeLayerNorm(x, gamma, beta, eps);
  return layerNormFused(eps)(x, gamma, beta);
}

export type FusedActivation = 'gelu' | 'quick_gelu';

/** d act(u) / du with ordinary ops. */
function activationDerivative(kind: FusedActivation, u: tf.Tensor): tf.Tensor {
  if (kind === 'gelu') {
    // Phi(u) + u phi(u) = 0.5 (1 + erf(u / sqrt 2)) + u exp(-u^2 / 2) / sqrt(2 pi)
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(u, Math.SQRT1_2)), 1), 0.5);
    const pdf = tf.mul(tf.exp(tf.mul(tf.square(u), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.add(cdf, tf.mul(u, pdf));
  }
  // s + 1.702 u s (1 - s), s = sigmoid(1.702 u)
  const s = tf.sigmoid(tf.mul(u, 1.702));
  return tf.add(s, tf.mul(tf.mul(tf.mul(u, 1.702), s), tf.sub(1, s)));
}

const activationFused = (kind: FusedActivation, withBias: boolean) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    const [x, bias] = inputs as [tf.Tensor, tf.Tensor1D | undefined];
    save(inputs);
    const kernel = kind === 'gelu' ? GELU : QUICK_GELU;
    return {
      value: tf.engine().runKernel(kernel, withBias ? { x, bias: bias! } : { x }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const u = withBias ? tf.add(saved[0]!, saved[1]!) : saved[0]!;
        const dx = tf.mul(dy, activationDerivative(kind, u));
        return withBias ? [dx, sumToLast(dx)] : [dx];
      },
    };
  });

/**
 * `act(x + bias)` (bias over the last axis, optional) for GELU or QuickGELU, in one fused kernel
 * where registered (AAClipGelu / AAClipQuickGelu), else composite ops.
 */
export function biasActivation(kind: FusedActivation, x: tf.Tensor, bias?: tf.Tensor1D): tf.Tensor {
  if (kind !== 'gelu' && kind !== 'quick_gelu') {
    throw new Error(`unknown activation "${kind as string}" (expected 'gelu' or 'quick_gelu')`);
  }
  if (bias) checkLastAxis('biasActivation', x, bias, 'bias');
  if (x.dtype !== 'float32' || !fusedKernelActive(kind === 'gelu' ? GELU : QUICK_GELU)) {
    return tf.tidy(() => {
      const u = bias ? tf.add(x, bias) : x;
      return kind === 'gelu' ? compositeGelu(u) : compositeQuickGelu(u);
    });
  }
  return bias ? activationFused(kind, true)(x, bias) : activationFused(kind, false)(x);
}

export type HeadSliceOptions = Omit<HeadSliceAttrs, 'transpose' | 'scale'> & { scale?: number; transpose?: boolean };

const headSliceFused = (a: HeadSliceAttrs, withBias: boolean) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, bias] = args as [tf.Tensor2D, tf.Tensor1D | undefined];
    const attrs = a as unknown as tf.NamedAttrMap;
    return {
      value: tf.engine().runKernel(HEAD_SLICE, withBias ? { x, bias: bias! } : { x }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => {
        const [R, C] = x.shape;
        let g = a.transpose ? tf.transpose(dy as tf.Tensor2D) : (dy as tf.Tensor2D);
        if (a.scale !== 1) g = tf.mul(g, a.scale);
        const dx = tf.pad(g, [
          [a.row, R - a.row - a.rows],
          [a.col, C - a.col - a.cols],
        ]);
        if (!withBias) return [dx];
        return [dx, tf.pad(tf.sum(g, 0), [[a.col, C - a.col - a.cols]])];
      },
    };
  });

/**
 * `(x[row : row + rows, col : col + cols] + bias[col : col + cols]) * scale`, transposed when
 * asked: one attention head's q, kᵀ or v cut from the stacked [q | k | v] projection in a
 * single pass (AAClipHeadSlice) where registered, else slice/add/mul/transpose ops.
 */
export function headSlice(x: tf.Tensor2D, bias: tf.Tensor1D | null, opts: HeadSliceOptions): tf.Tensor2D {
  const a: HeadSliceAttrs = { row: opts.row, rows: opts.rows, col: opts.col, cols: opts.cols, scale: opts.scale ?? 1, transpose: opts.transpose ?? false };
  if (x.rank !== 2) throw new Error(`headSlice: x must be 2-D, got [${x.shape}]`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== x.shape[1])) throw new Error(`headSlice: bias has shape [${bias.shape}], expected [${x.shape[1]}]`);
  const [R, C] = x.shape;
  if (a.row < 0 || a.rows < 0 || a.row + a.rows > R || a.col < 0 || a.cols < 0 || a.col + a.cols > C) {
    throw new Error(`headSlice: block rows ${a.row}+${a.rows}, cols ${a.col}+${a.cols} is outside [${R}, ${C}]`);
  }
  if (x.dtype !== 'float32' || !fusedKernelActive(HEAD_SLICE)) return compositeHeadSlice(x, bias, a);
  return (bias ? headSliceFused(a, true)(x, bias) : headSliceFused(a, false)(x)) as tf.Tensor2D;
}

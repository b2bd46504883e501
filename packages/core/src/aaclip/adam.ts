import * as tf from '@tensorflow/tfjs-core';
import { transpose2d } from '../model/weight-source';
import type { AdapterLinear } from './aaclip-adapters';

export interface AdamOptions {
  lr: number;
  /** Default (0.5, 0.999), as the official training script. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
}

/** Adam state in checkpoint layout ([out, in]) so that it is portable. */
export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/**
 * PyTorch's Adam (no weight decay, no amsgrad) over adapter variables:
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps).
 *
 * @example
 * const opt = new Adam(model.trainableAdapters(2), { lr: 5e-4 });
 * opt.applyGradients(grads); // grads keyed by adapter key, in [in, out] variable layout
 */
export class Adam {
  readonly betas: [number, number];
  readonly eps: number;
  lr: number;
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    readonly params: AdapterLinear[],
    opts: AdamOptions,
  ) {
    if (!(opts.lr > 0)) throw new Error(`Adam: lr must be > 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.betas = opts.betas ?? [0.5, 0.999];
    this.eps = opts.eps ?? 1e-8;
    for (const p of params) {
      this.m.set(p.key, tf.tidy(() => tf.variable(tf.zerosLike(p.weightT), false)));
      this.v.set(p.key, tf.tidy(() => tf.variable(tf.zerosLike(p.weightT), false)));
    }
  }

  /** One update; `grads` maps each adapter key to d(loss)/d(weightT) ([in, out]). */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>): void {
    const get = (k: string): tf.Tensor | undefined => (grads instanceof Map ? grads.get(k) : (grads as Record<string, tf.Tensor>)[k]);
    this.step += 1;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.step;
    const bc2 = 1 - b2 ** this.step;
    const stepSize = this.lr / bc1;
    tf.tidy(() => {
      for (const p of this.params) {
        const g = get(p.key);
        if (!g) throw new Error(`Adam: no gradient for "${p.key}"`);
        const m = this.m.get(p.key)!;
        const v = this.v.get(p.key)!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
        p.weightT.assign(tf.sub(p.weightT, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
  }

  /**
   * State in checkpoint layout [out, in].
   * @deprecated read with `getStateAsync` (synchronous reads fail on webgpu in Node); this sync twin goes in the next release.
   */
  getState(): AdamState {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const p of this.params) {
      m.set(p.key, transpose2d(this.m.get(p.key)!.dataSync() as Float32Array, p.inFeatures, p.outFeatures));
      v.set(p.key, transpose2d(this.v.get(p.key)!.dataSync() as Float32Array, p.inFeatures, p.outFeatures));
    }
    return { step: this.step, m, v };
  }

  /** `getState` read asynchronously (GPU backends). */
  async getStateAsync(): Promise<AdamState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const p of this.params) {
      m.set(p.key, transpose2d((await this.m.get(p.key)!.data()) as Float32Array, p.inFeatures, p.outFeatures));
      v.set(p.key, transpose2d((await this.v.get(p.key)!.data()) as Float32Array, p.inFeatures, p.outFeatures));
    }
    return { step: this.step, m, v };
  }

  setState(state: AdamState): void {
    for (const p of this.params) {
      const m = state.m.get(p.key);
      const v = state.v.get(p.key);
      const n = p.inFeatures * p.outFeatures;
      if (!m || !v || m.length !== n || v.length !== n) throw new Error(`Adam.setState: missing or mis-sized moments for "${p.key}" (expected ${n} values)`);
      tf.tidy(() => {
        this.m.get(p.key)!.assign(tf.tensor2d(transpose2d(m, p.outFeatures, p.inFeatures), [p.inFeatures, p.outFeatures]));
        this.v.get(p.key)!.assign(tf.tensor2d(transpose2d(v, p.outFeatures, p.inFeatures), [p.inFeatures, p.outFeatures]));
      });
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** MultiStepLR: lr = base * gamma^(number of milestones <= step). */
export function multiStepLr(base: number, milestones: readonly number[], gamma: number, step: number): number {
  let k = 0;
  for (const m of milestones) if (step >= m) k++;
  return base * gamma ** k;
}

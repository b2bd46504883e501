import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { AdapterLinear } from './aaclip-adapters';
import { Adam, multiStepLr } from './adam';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';

describe('Adam (PyTorch semantics)', () => {
  it('matches a hand-computed two-step update and round-trips its state', () => {
    const p = new AdapterLinear('text_adapter.0.fc.0.weight', 1, 2, Float32Array.of(1, -1));
    const opt = new Adam([p], { lr: 0.1, betas: [0.5, 0.999], eps: 1e-8 });
    const g = tf.tensor2d([[0.5], [-2]]); // [in, out] layout
    opt.applyGradients(new Map([[p.key, g]]));
    // step 1: m = 0.5 g, v = 0.001 g^2; m_hat = g, v_hat = g^2 -> p -= 0.1 * sign(g)
    const w1 = Array.from(p.exportWeight());
    expect(w1[0]).toBeCloseTo(0.9, 6);
    expect(w1[1]).toBeCloseTo(-0.9, 6);
    opt.applyGradients(new Map([[p.key, g]]));
    const state = opt.getState();
    expect(state.step).toBe(2);
    const m = 0.5 * 0.5 * 0.5 + 0.5 * 0.5; // second moment of grad 0.5
    expect(state.m.get(p.key)![0]).toBeCloseTo(m, 7);
    // a second optimiser restored from the state takes the same third step
    const q = new AdapterLinear('text_adapter.0.fc.0.weight', 1, 2, p.exportWeight());
    const opt2 = new Adam([q], { lr: 0.1 });
    opt2.setState(state);
    opt.applyGradients(new Map([[p.key, g]]));
    opt2.applyGradients(new Map([[q.key, g]]));
    expect(q.exportWeight()).toEqual(p.exportWeight());
    expect(() => new Adam([p], { lr: 0 })).toThrow('lr must be > 0, got 0');
    tf.dispose(g);
    opt.dispose();
    opt2.dispose();
    p.dispose();
    q.dispose();
  });

  it('schedules MultiStepLR like PyTorch', () => {
    expect(multiStepLr(5e-4, [16000, 32000], 0.5, 0)).toBe(5e-4);
    expect(multiStepLr(5e-4, [16000, 32000], 0.5, 15999)).toBe(5e-4);
    expect(multiStepLr(5e-4, [16000, 32000], 0.5, 16000)).toBe(2.5e-4);
    expect(multiStepLr(5e-4, [16000, 32000], 0.5, 40000)).toBe(1.25e-4);
  });
});

describe('checkpoints', () => {
  it('round-trip configs, anchors, adapters and training state through safetensors', () => {
    const adapters = new Map([['image_adapter.det_proj.fc.weight', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }]]);
    const anchors = new Map([['bottle', { shape: [2, 2], data: Float32Array.of(0.1, 0.2, 0.3, 0.4) }]]);
    const bytes = encodeCheckpoint({
      adapters,
      anchors,
      anchorInfo: { promptSet: 'aaclip' },
      extra: { tokenizer: '{"type":"byte"}' },
      training: {
        stage: 2,
        epoch: 3,
        step: 1,
        globalStep: 31,
        seed: 111,
        adapters,
        optimizer: { step: 31, lr: 5e-4, betas: [0.5, 0.999], eps: 1e-8, m: new Map([['image_adapter.det_proj.fc.weight', new Float32Array(6).fill(0.5)]]), v: new Map([['image_adapter.det_proj.fc.weight', new Float32Array(6).fill(0.25)]]) },
        epochLosses: [3, 2, 1.5],
        runningLoss: { sum: 1.25, count: 1 },
      },
    });
    const ck = decodeCheckpoint(bytes, 'ck.safetensors');
    expect(ck.adapters.get('image_adapter.det_proj.fc.weight')!.data).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(ck.anchors.get('bottle')!.shape).toEqual([2, 2]);
    expect(ck.anchorInfo).toEqual({ promptSet: 'aaclip' });
    expect(ck.extra).toEqual({ tokenizer: '{"type":"byte"}' });
    expect(ck.training!.globalStep).toBe(31);
    expect(ck.training!.optimizer.v.get('image_adapter.det_proj.fc.weight')![5]).toBe(0.25);
    expect(ck.training!.epochLosses).toEqual([3, 2, 1.5]);
    expect(() => decodeCheckpoint(encodeCheckpointWithout(), 'empty.safetensors')).toThrow('empty.safetensors: no adapter weights');
  });
});

function encodeCheckpointWithout(): Uint8Array {
  return encodeCheckpoint({ adapters: new Map(), anchors: new Map() });
}

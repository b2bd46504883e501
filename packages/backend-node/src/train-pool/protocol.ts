/*
 * Messages between a TrainingPool (main thread) and its workers, carried by worker-rpc.ts
 * (which adds each call's id and the replies): structured-clone data, Float32Arrays transferred.
 */
import type { AAClipConfig, ClipConfig } from '@aaclip/core';
import type { NodeBackendName } from '../backend';
import type { AnchorData } from '../pool/protocol';

/** Where a worker gets its frozen CLIP: a weights file, or random weights (benchmarks). */
export type TrainWorkerWeights = { file: string; activation?: 'gelu' | 'quick_gelu' } | { random: { config: ClipConfig; seed: number } };

/** `workerData` of a training worker. */
export interface TrainWorkerInit {
  weights: TrainWorkerWeights;
  aaclipConfig: AAClipConfig;
  backend: NodeBackendName;
  checkpoint: boolean | 'auto';
}

/** One shard of a stage-2 batch, with the adapter weights of this step ([in, out]). */
export interface TrainWorkerStep {
  type: 'step';
  adapters: Record<string, Float32Array>;
  /** NHWC [batch, size, size, 3] */
  images: Float32Array;
  /** [batch, size, size] */
  masks: Float32Array;
  batch: number;
  size: number;
  labels: number[];
  classes: string[];
  anchors: Record<string, AnchorData>;
}

/** A worker's answer to a step: its shard's loss and adapter gradients. */
export interface TrainWorkerResult {
  loss: number;
  grads: Record<string, Float32Array>;
}

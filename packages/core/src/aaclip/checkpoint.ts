import { readSafetensors } from '../weights/safetensors-reader';
import { writeSafetensors, type WritableTensor } from '../weights/safetensors-writer';
import type { TensorMap } from '../weights/named-tensor';
import type { ClipConfig } from '../model/clip-config';
import type { AAClipConfig } from './aaclip-config';
import type { AdamState } from './adam';
import { parseMetadataJson } from '../weights/metadata-json';
import { CALIBRATION_METADATA_KEY, parseCalibration, type Calibration } from './calibrate';

/** Format tag written in every checkpoint's metadata. */
export const CHECKPOINT_FORMAT = 'aaclip-checkpoint/1';

/** Training progress and everything needed to resume it. */
export interface TrainingCheckpoint {
  stage: 1 | 2;
  /** Completed epochs (the next step runs in epoch `epoch`). */
  epoch: number;
  /** Completed steps within the current epoch. */
  step: number;
  /** Completed optimiser steps over the whole stage. */
  globalStep: number;
  seed: number;
  /** Adapter weights in checkpoint layout, keys `text_adapter.*` / `image_adapter.*`. */
  adapters: Map<string, { shape: number[]; data: Float32Array }>;
  optimizer: AdamState & { lr: number; betas: [number, number]; eps: number };
  /** Mean loss of each completed epoch. */
  epochLosses: number[];
  /** Sum and count of the losses of the epoch in progress. */
  runningLoss: { sum: number; count: number };
}

/** A model file: adapters, optional anchors per class, configs and optional training state. */
export interface AAClipCheckpoint {
  clipConfig?: ClipConfig;
  aaclipConfig?: AAClipConfig;
  adapters: Map<string, { shape: number[]; data: Float32Array }>;
  /** class -> [E, 2] anchors (column 0 normal, 1 abnormal), row-major */
  anchors: Map<string, { shape: number[]; data: Float32Array }>;
  /** Prompt set and class-name resolution the anchors came from, free-form. */
  anchorInfo?: Record<string, unknown>;
  training?: TrainingCheckpoint;
  /** Thresholds per class (calibrate.ts), stored as JSON under the metadata key `aaclip.calibration`. */
  calibration?: Calibration;
  /** Extra string metadata (e.g. a tokenizer description). */
  extra?: Record<string, string>;
}

/** Encodes a checkpoint as safetensors bytes whose `__metadata__` holds configs and state. */
export function encodeCheckpoint(ckpt: AAClipCheckpoint): Uint8Array {
  const tensors: Record<string, WritableTensor> = {};
  for (const [k, v] of ckpt.adapters) tensors[k] = { dtype: 'float32', shape: v.shape, data: v.data };
  for (const [c, v] of ckpt.anchors) tensors[`anchors.${c}`] = { dtype: 'float32', shape: v.shape, data: v.data };
  const meta: Record<string, string> = { format: CHECKPOINT_FORMAT, ...(ckpt.extra ?? {}) };
  if (ckpt.clipConfig) meta.clip_config = JSON.stringify(ckpt.clipConfig);
  if (ckpt.aaclipConfig) meta.aaclip_config = JSON.stringify(ckpt.aaclipConfig);
  meta.anchor_classes = JSON.stringify([...ckpt.anchors.keys()]);
  if (ckpt.anchorInfo) meta.anchor_info = JSON.stringify(ckpt.anchorInfo);
  if (ckpt.calibration) meta[CALIBRATION_METADATA_KEY] = JSON.stringify(ckpt.calibration);
  const t = ckpt.training;
  if (t) {
    for (const [k, m] of t.optimizer.m) tensors[`optimizer.m.${k}`] = { dtype: 'float32', shape: ckpt.adapters.get(k)?.shape ?? [m.length], data: m };
    for (const [k, v] of t.optimizer.v) tensors[`optimizer.v.${k}`] = { dtype: 'float32', shape: ckpt.adapters.get(k)?.shape ?? [v.length], data: v };
    meta.training = JSON.stringify({
      stage: t.stage,
      epoch: t.epoch,
      step: t.step,
      globalStep: t.globalStep,
      seed: t.seed,
      optimizer: { step: t.optimizer.step, lr: t.optimizer.lr, betas: t.optimizer.betas, eps: t.optimizer.eps },
      epochLosses: t.epochLosses,
      runningLoss: t.runningLoss,
    });
  }
  return writeSafetensors(tensors, meta);
}

/**
 * Decodes a checkpoint written by `encodeCheckpoint`. `name` is used in error messages.
 * Also accepts a plain adapters file (keys `text_adapter.*` / `image_adapter.*`, no metadata).
 */
export function decodeCheckpoint(bytes: Uint8Array, name = 'checkpoint'): AAClipCheckpoint {
  const { tensors, metadata } = readSafetensors(bytes);
  return checkpointFromTensors(tensors, metadata, name);
}

/** Builds a checkpoint from already-read tensors and metadata (safetensors or an imported .pth). */
export function checkpointFromTensors(tensors: TensorMap, metadata: Record<string, string>, name = 'checkpoint'): AAClipCheckpoint {
  const f32 = (k: string): { shape: number[]; data: Float32Array } => {
    const t = tensors.get(k)!;
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new Error(`${name}: tensor "${k}" must be floating point, got ${t.dtype}`);
    return { shape: [...t.shape], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array) };
  };
  const adapters = new Map<string, { shape: number[]; data: Float32Array }>();
  const anchors = new Map<string, { shape: number[]; data: Float32Array }>();
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const k of tensors.keys()) {
    if (k.startsWith('text_adapter.') || k.startsWith('image_adapter.')) adapters.set(k, f32(k));
    else if (k.startsWith('anchors.')) anchors.set(k.slice('anchors.'.length), f32(k));
    else if (k.startsWith('optimizer.m.')) m.set(k.slice('optimizer.m.'.length), f32(k).data);
    else if (k.startsWith('optimizer.v.')) v.set(k.slice('optimizer.v.'.length), f32(k).data);
  }
  if (adapters.size === 0 && anchors.size === 0) {
    throw new Error(`${name}: no adapter weights (text_adapter.* / image_adapter.*) and no anchors found among ${tensors.size} tensors`);
  }
  const fmt = metadata.format;
  if (fmt !== undefined && fmt !== CHECKPOINT_FORMAT) throw new Error(`${name}: unsupported checkpoint format "${fmt}" (expected ${CHECKPOINT_FORMAT})`);
  const out: AAClipCheckpoint = {
    clipConfig: parseMetadataJson<ClipConfig>(metadata, 'clip_config', name),
    aaclipConfig: parseMetadataJson<AAClipConfig>(metadata, 'aaclip_config', name),
    adapters,
    anchors,
    anchorInfo: parseMetadataJson<Record<string, unknown>>(metadata, 'anchor_info', name),
  };
  const cal = metadata[CALIBRATION_METADATA_KEY];
  if (cal !== undefined) out.calibration = parseCalibration(cal, name);
  const extra: Record<string, string> = {};
  for (const [k, val] of Object.entries(metadata)) {
    if (!['format', 'clip_config', 'aaclip_config', 'anchor_classes', 'anchor_info', 'training', CALIBRATION_METADATA_KEY].includes(k)) extra[k] = val;
  }
  if (Object.keys(extra).length) out.extra = extra;
  const tr = parseMetadataJson<Omit<TrainingCheckpoint, 'adapters' | 'optimizer'> & { optimizer: { step: number; lr: number; betas: [number, number]; eps: number } }>(metadata, 'training', name);
  if (tr) {
    if (tr.stage !== 1 && tr.stage !== 2) throw new Error(`${name}: training stage must be 1 or 2, got ${String(tr.stage)}`);
    out.training = { ...tr, adapters, optimizer: { ...tr.optimizer, m, v } };
  }
  return out;
}

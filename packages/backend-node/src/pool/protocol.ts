/*
 * Messages between a DetectorPool (main thread) and its workers, carried by worker-rpc.ts
 * (which adds each call's id and the ready / ok / error / warning replies). Everything here is
 * structured-clone data: Float32Arrays travel as transferred buffers, never copied twice.
 */
import type { ClipConfig, Detection, Domain } from '@aaclip/core';
import type { PromptSet } from '@aaclip/prompts';
import type { NodeBackendName } from '../backend';

/** The prompt options a worker can receive (no functions: a registry cannot cross threads). */
export interface PoolPromptOptions {
  /** A built-in prompt-set name, or a prompt set. */
  promptSet?: string | PromptSet;
  /** Class-name table (e.g. 'mvtec'). */
  dataset?: string;
}

/** `workerData` of a pool worker. */
export interface WorkerInit {
  index: number;
  model: string;
  adapters?: string[];
  vocab?: string[];
  activation?: 'gelu' | 'quick_gelu';
  backend: NodeBackendName;
  /** Load the text tower and tokenizer too (the worker that computes anchors). */
  text: boolean;
  prompts?: PoolPromptOptions;
  domain?: Domain;
  imageSize?: number;
}

export interface AnchorData {
  shape: [number, number];
  data: Float32Array;
}

export type WorkerRequest =
  | { type: 'anchors'; className: string }
  | {
      type: 'detect';
      className: string;
      /** Sent the first time this worker meets a class whose anchors were computed elsewhere. */
      anchors?: AnchorData;
      /** NHWC float32, [batch, size, size, 3] row-major. */
      images: Float32Array;
      batch: number;
      size: number;
      domain?: Domain;
      levelMaps?: boolean;
    }
  | { type: 'memory' };

export interface WorkerReadyInfo {
  backend: NodeBackendName;
  config: ClipConfig;
  /** Classes with anchors stored in the model/adapter files. */
  storedClasses: string[];
  /** Whether this worker can compute anchors from class names (text tower + tokenizer). */
  canComputeAnchors: boolean;
  loadSeconds: number;
  /** Side of the square model input decoded images are resized to. */
  imageSize: number;
}

/** One image's result, as the single-thread detector returns it. */
export type WorkerDetection = Detection;

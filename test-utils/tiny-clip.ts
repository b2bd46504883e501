// Loads the tiny fixture CLIP and adapters with the SDK's own readers (test helper).
import { readFileSync } from 'node:fs';
import { ClipModel } from '../packages/core/src/model/clip-model';
import { normalizeClipStateDict } from '../packages/core/src/model/clip-state-dict';
import { readSafetensors } from '../packages/core/src/weights/safetensors-reader';
import type { TensorMap } from '../packages/core/src/weights/named-tensor';
import { fixture } from './fixtures';

let cached: ReturnType<typeof normalizeClipStateDict> | null = null;

export function tinyClipWeights(): ReturnType<typeof normalizeClipStateDict> {
  cached ??= normalizeClipStateDict(readSafetensors(readFileSync(fixture('clip-openai.safetensors'))).tensors, { visionHeads: 4, textHeads: 4 });
  return cached;
}

export function loadTinyClip(): ClipModel {
  const { tensors, config } = tinyClipWeights();
  return ClipModel.fromWeights(tensors, config);
}

export function tinyAdapters(): TensorMap {
  return readSafetensors(readFileSync(fixture('adapters.safetensors'))).tensors;
}

export function fixtureTensors(name: string): TensorMap {
  return readSafetensors(readFileSync(fixture(name))).tensors;
}

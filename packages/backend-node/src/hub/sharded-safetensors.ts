// A sharded safetensors model (`model.safetensors.index.json` + `model-0000N-of-0000M.safetensors`,
// as Hugging Face saves models above its shard size) opened as one tensor map: each shard is
// opened streamed, its tensors read from disk when taken.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shardFilesOfIndex } from '@aaclip/core';
import { type TensorMap } from '@aaclip/core/weights';

export interface OpenedWeights {
  tensors: TensorMap;
  metadata: Record<string, string>;
  close(): void;
}

/** True for a sharded model's index file name. */
export function isShardIndex(path: string): boolean {
  return path.endsWith('.safetensors.index.json');
}

/** Largest index file read (16 MiB; a 10 GB model's index is about 100 KB). */
const MAX_INDEX_BYTES = 16 * 2 ** 20;

/**
 * Opens every shard named by the index at `indexPath` (shards beside it) with `openShard`.
 * Errors name the index, and a key the index maps to a shard that lacks it.
 */
export function openShardedSafetensors(indexPath: string, openShard: (path: string) => OpenedWeights): OpenedWeights {
  let text: string;
  try {
    if (statSync(indexPath).size > MAX_INDEX_BYTES) throw new Error(`larger than ${MAX_INDEX_BYTES} bytes`);
    text = readFileSync(indexPath, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the shard index ${indexPath}: ${(e as Error).message}`);
  }
  const shards = shardFilesOfIndex(text, indexPath);
  const weightMap = (JSON.parse(text) as { weight_map: Record<string, string>; metadata?: Record<string, unknown> }).weight_map;
  const indexMeta = (JSON.parse(text) as { metadata?: Record<string, unknown> }).metadata ?? {};
  const opened: OpenedWeights[] = [];
  const tensors: TensorMap = new Map();
  const metadata: Record<string, string> = {};
  try {
    for (const shard of shards) {
      const f = openShard(join(dirname(indexPath), shard));
      opened.push(f);
      for (const [k, v] of f.tensors) {
        if (weightMap[k] !== undefined && weightMap[k] !== shard) throw new Error(`${indexPath}: tensor "${k}" is in ${shard}, the index says ${weightMap[k]}`);
        if (tensors.has(k)) throw new Error(`${indexPath}: tensor "${k}" is in more than one shard`);
        tensors.set(k, v);
      }
      for (const [k, v] of Object.entries(f.metadata)) metadata[k] ??= v;
    }
    for (const [k, shard] of Object.entries(weightMap)) if (!tensors.has(k)) throw new Error(`${indexPath}: tensor "${k}" is missing from ${shard}`);
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
  for (const [k, v] of Object.entries(indexMeta)) metadata[k] ??= typeof v === 'string' ? v : JSON.stringify(v);
  return { tensors, metadata, close: () => opened.forEach((f) => f.close()) };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { fakeCommit, startMockHub, tinyClipRepoFiles, type MockHub } from '../../../../test-utils/mock-hub';
import { loadBundle } from '../model-bundle';
import { openWeightFile } from '../weights-io';
import { resolveModelReferences } from './resolve-references';

/** Splits a safetensors file into two shards and an index, as transformers' save_pretrained lays them out. */
function shard(bytes: Uint8Array): Map<string, Uint8Array> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  const halves = [keys.slice(0, keys.length >> 1), keys.slice(keys.length >> 1)];
  const out = new Map<string, Uint8Array>();
  const weightMap: Record<string, string> = {};
  halves.forEach((part, i) => {
    const name = `model-0000${i + 1}-of-00002.safetensors`;
    const h: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let off = 0;
    for (const k of part) {
      const e = header[k]!;
      const data = bytes.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]);
      h[k] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + data.length] };
      chunks.push(data);
      off += data.length;
      weightMap[k] = name;
    }
    const hb = new TextEncoder().encode(JSON.stringify(h));
    const file = new Uint8Array(8 + hb.length + off);
    new DataView(file.buffer).setBigUint64(0, BigInt(hb.length), true);
    file.set(hb, 8);
    let p = 8 + hb.length;
    for (const c of chunks) (file.set(c, p), (p += c.length));
    out.set(name, file);
  });
  out.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ metadata: { total_size: bytes.length }, weight_map: weightMap })));
  return out;
}

let hub: MockHub;
let cache: string;
beforeAll(async () => {
  const files = tinyClipRepoFiles();
  const shards = shard(files.get('model.safetensors')!);
  files.delete('model.safetensors');
  for (const [k, v] of shards) files.set(k, v);
  hub = await startMockHub(new Map([['big/clip-sharded', { commit: fakeCommit('s'), files }]]));
  cache = mkdtempSync(join(tmpdir(), 'aaclip-hub-shard-'));
});
afterAll(async () => {
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
});

it('a sharded repository (model.safetensors.index.json) downloads every shard and loads as one model', async () => {
  const hubOpts = { cacheDir: cache, endpoint: hub.url, onProgress: null, env: {} };
  const r = await resolveModelReferences({ model: 'hf:big/clip-sharded', hub: hubOpts });
  expect(basename(r.model)).toBe('model.safetensors.index.json');
  expect(hub.requests.filter((q) => q.method === 'GET' && q.path.startsWith('/cdn/')).length).toBe(2);
  const sharded = await openWeightFile(r.model);
  const whole = await openWeightFile(fixture('clip-hf.safetensors'));
  try {
    expect([...sharded.tensors.keys()].sort()).toEqual([...whole.tensors.keys()].sort());
    const bytesOf = (d: ArrayBufferView): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    for (const [k, t] of whole.tensors) expect(bytesOf(sharded.tensors.get(k)!.data as Float32Array).equals(bytesOf(t.data as Float32Array)), k).toBe(true);
  } finally {
    sharded.close();
    whole.close();
  }
  const b = await loadBundle({ model: 'hf:big/clip-sharded', hub: hubOpts, visionOnly: true });
  const w = await loadBundle({ model: fixture('clip-hf.safetensors'), visionOnly: true });
  expect(b.config).toEqual(w.config);
  expect(b.config.vision.imageSize).toBe(112); // the tiny CLIP's native size
  b.clip.dispose();
  w.clip.dispose();
});

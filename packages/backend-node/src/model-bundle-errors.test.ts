// Issue 14 item 7 through the model loader: a gzip bomb as --vocab, a tokenizer contextLength
// of 1e8 in model metadata, malformed tokenizer JSON: each ends in an error that names the file
// (and key) and the limit, before anything large is allocated.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type WritableTensor } from '@aaclip/core/weights';
import { fixture } from '../../../test-utils/fixtures';
import { loadBundle } from './model-bundle';

let dir: string;
const model = (): string => fixture('clip-openai.safetensors');

/** The fixture CLIP with `metadata.tokenizer` set to `tokenizer`. */
function modelWithTokenizer(name: string, tokenizer: string): string {
  const src = readSafetensors(readFileSync(model()));
  const out = new Map<string, WritableTensor>();
  for (const [k, t] of src.tensors) out.set(k, { dtype: 'float32', shape: t.shape, data: Float32Array.from(t.data as ArrayLike<number>, Number) });
  const path = join(dir, name);
  writeFileSync(path, writeSafetensors(out, { ...src.metadata, tokenizer }));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-bundle-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadBundle: tokenizer inputs that are hostile or malformed', () => {
  it('refuses a --vocab gzip bomb at the 16 MiB bound, naming the file', async () => {
    const bomb = join(dir, 'bomb_vocab.txt.gz');
    writeFileSync(bomb, gzipSync(new Uint8Array(64 * 2 ** 20).fill(0x61), { level: 9 }));
    expect(readFileSync(bomb).length).toBeLessThan(200_000);
    await expect(loadBundle({ model: model(), vocab: [bomb] })).rejects.toThrow(
      `tokenizer ${bomb}: BPE vocabulary: the ${readFileSync(bomb).length}-byte gzip inflates to more than 16777216 bytes (maxInflatedBytes)`,
    );
  });

  it('refuses a metadata contextLength of 1e8, naming the file, key and limit', async () => {
    const path = modelWithTokenizer('ctx.safetensors', JSON.stringify({ type: 'byte', contextLength: 1e8 }));
    await expect(loadBundle({ model: path })).rejects.toThrow(
      `${path}: metadata key "tokenizer": tokenizer config (byte): contextLength must be an integer from 2 (room for SOT and EOT) to 4096, got 100000000`,
    );
  });

  it('names the file and key of tokenizer metadata that is not JSON', async () => {
    const path = modelWithTokenizer('bad-json.safetensors', '{"type": "byte",');
    await expect(loadBundle({ model: path })).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: metadata key "tokenizer" is not valid JSON \\(`));
  });

  it('names the tokenizer.json and the key inside it', async () => {
    const tj = join(dir, 'tokenizer.json');
    writeFileSync(tj, JSON.stringify({ model: { type: 'BPE', vocab: { a: 0 }, merges: ['a b', 7] } }));
    await expect(loadBundle({ model: model(), vocab: [tj] })).rejects.toThrow(`tokenizer ${tj}: tokenizer.json: model.merges[1] must be "a b" or ["a", "b"], got 7`);
    writeFileSync(tj, '{"model": ');
    await expect(loadBundle({ model: model(), vocab: [tj] })).rejects.toThrow(new RegExp(`tokenizer .*tokenizer\\.json: tokenizer\\.json is not valid JSON`));
  });
});

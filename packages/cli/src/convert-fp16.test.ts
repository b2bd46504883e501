// Issue 14 item 8: `aaclip convert --fp16` stored values beyond 65504 as Infinity and exited 0;
// the package's own loader then refused the file. Now the conversion fails naming the tensor,
// exits 1 and leaves no output file.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type WritableTensor } from '@aaclip/core/weights';
import { fixture, repoRoot } from '../../../test-utils/fixtures';

const run = promisify(execFile);
const CLI = join(repoRoot, 'packages/cli/dist/cli.js');

async function aaclip(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, AACLIP_BACKEND: 'wasm' }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let dir: string;
let big: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-convert-fp16-'));
  const src = readSafetensors(readFileSync(fixture('clip-openai.safetensors')));
  const out = new Map<string, WritableTensor>();
  for (const [k, t] of src.tensors) out.set(k, { dtype: 'float32', shape: t.shape, data: Float32Array.from(t.data as ArrayLike<number>, Number) });
  (out.get('visual.proj')!.data as Float32Array)[5] = 70000; // fine in float32, Infinity in float16
  big = join(dir, 'big-values.safetensors');
  writeFileSync(big, writeSafetensors(out, src.metadata));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaclip convert --fp16 with values beyond float16', () => {
  it('fails naming the tensor and value, exits 1, writes nothing', async () => {
    const out = join(dir, 'half.safetensors');
    const r = await aaclip(['convert', big, '--out', out, '--fp16']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tensor 'visual.proj' holds 70000 at index 5, beyond float16's largest finite value 65504");
    expect(existsSync(out)).toBe(false);
  });

  it('converts the same weights in float32, and they load back finite', async () => {
    const out = join(dir, 'full.safetensors');
    const r = await aaclip(['convert', big, '--out', out]);
    expect(r.code).toBe(0);
    const back = readSafetensors(readFileSync(out)).tensors.get('visual.proj')!;
    expect(back.data[5]).toBe(70000);
  });
});

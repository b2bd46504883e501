// A real child process is killed with SIGKILL in the middle of training: the last checkpoint
// must stay readable, and --resume must reach the same final weights as an uninterrupted run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '@aaclip/core/weights';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../test-utils/fixtures';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
const MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
let dir: string;

function runCli(args: string[], killWhen?: () => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AACLIP_BACKEND: 'wasm' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killWhen
      ? setInterval(() => {
          if (killWhen()) {
            clearInterval(timer);
            child.kill(signal);
          }
        }, 50)
      : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** True once the checkpoint at `path` records at least one stage-2 step. */
function inStage2(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    const t = decodeCheckpoint(readFileSync(path)).training;
    return t?.stage === 2 && t.globalStep >= 1;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-kill-'));
  const root = join(dir, 'data', 'wood');
  for (const d of ['train/good', 'test/good', 'test/crack', 'ground_truth/crack']) mkdirSync(join(root, d), { recursive: true });
  const png = (data: Uint8Array, ch: 1 | 3) => sharp(Buffer.from(data), { raw: { width: 128, height: 128, channels: ch } }).png();
  for (let i = 0; i < 4; i++) {
    await png(generateTexture('wood', 128, 10 + i).data, 3).toFile(join(root, 'test/good', `${i}.png`));
    const d = addDefect(generateTexture('wood', 128, 20 + i), 'crack', 30 + i);
    await png(d.image.data, 3).toFile(join(root, 'test/crack', `${i}.png`));
    await png(d.mask.map((v) => v * 255), 1).toFile(join(root, 'ground_truth/crack', `${i}_mask.png`));
  }
  await png(generateTexture('wood', 128, 99).data, 3).toFile(join(root, 'train/good', '0.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training survives kill -9', () => {
  it('leaves a readable checkpoint and resumes to the uninterrupted weights', async () => {
    const args = (out: string): string[] => ['train', '--data', join(dir, 'data'), '--split', 'test', '--model', MODEL, '--out', out, '--stage1-epochs', '2', '--stage2-epochs', '2', '--batch1', '2', '--batch2', '2', '--checkpoint-every', '1', '--seed', '9'];
    const full = await runCli([...args(join(dir, 'full')), '--json']);
    expect(full.code).toBe(0);
    const ref = decodeCheckpoint(readFileSync(join(dir, 'full', 'adapters.safetensors')));
    // SIGKILL in the middle of stage 2, as soon as a stage-2 checkpoint exists
    const ckPath = join(dir, 'killed', 'checkpoint.safetensors');
    const killed = await runCli(args(join(dir, 'killed')), () => inStage2(ckPath));
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(ckPath)).toBe(true);
    expect(statSync(ckPath).size).toBeGreaterThan(0);
    const ck = decodeCheckpoint(readFileSync(ckPath), ckPath); // readable, complete
    expect(ck.training).toBeDefined();
    const resumed = await runCli([...args(join(dir, 'killed')), '--resume', '--json']);
    expect(resumed.code).toBe(0);
    const got = decodeCheckpoint(readFileSync(join(dir, 'killed', 'adapters.safetensors')));
    expect([...got.adapters.keys()].sort()).toEqual([...ref.adapters.keys()].sort());
    for (const [k, v] of ref.adapters) expect(got.adapters.get(k)!.data, k).toEqual(v.data);
    for (const [k, v] of ref.anchors) expect(got.anchors.get(k)!.data, k).toEqual(v.data);

    // SIGTERM: the process saves a final checkpoint itself and exits 130; --resume then finishes the same run
    const ckTerm = join(dir, 'term', 'checkpoint.safetensors');
    const term = await runCli(args(join(dir, 'term')), () => inStage2(ckTerm), 'SIGTERM');
    expect(term.code).toBe(130);
    expect(term.stderr).toContain('SIGTERM: saving a checkpoint');
    expect(decodeCheckpoint(readFileSync(ckTerm)).training!.stage).toBe(2);
    expect((await runCli([...args(join(dir, 'term')), '--resume'])).code).toBe(0);
    const fin = decodeCheckpoint(readFileSync(join(dir, 'term', 'adapters.safetensors')));
    for (const [k, v] of ref.adapters) expect(fin.adapters.get(k)!.data, k).toEqual(v.data);
  });
});

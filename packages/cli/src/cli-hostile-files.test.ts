// Issue 14 item 4 at the CLI: a FIFO as image (even with --on-error skip) or as weights hung
// forever in open(); /dev/zero as image or weights grew memory without bound. Now the image is
// skipped with a reason and the run writes its outputs; the weights are refused, naming them.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../test-utils/fixtures';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');

function aaclip(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // a hang is the defect: 240 s ends it and fails the test instead of waiting forever
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, AACLIP_BACKEND: 'wasm' }, maxBuffer: 64 << 20, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-cli-hostile-'));
  execFileSync('mkfifo', [join(dir, 'pipe.png')]);
  execFileSync('mkfifo', [join(dir, 'pipe.safetensors')]);
  const tex = generateTexture('carpet', 32, 3);
  writeFileSync(join(dir, 'ok.png'), await sharp(Buffer.from(tex.data), { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaclip detect with FIFOs and devices', () => {
  it('skips a FIFO and /dev/zero given as images under --on-error skip, and writes scores.json', async () => {
    const r = await aaclip(['detect', 'pipe.png', '/dev/zero', 'ok.png', '--class', 'carpet', '--out', 'o', '--size', '32', '--on-error', 'skip']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'o/scores.json'), 'utf8')) as { results: { image: string }[]; skipped: { image: string; reason: string }[] };
    expect(doc.results.map((x) => x.image)).toEqual([join(dir, 'ok.png')]);
    expect(doc.skipped.map((x) => x.image)).toEqual([join(dir, 'pipe.png'), '/dev/zero']);
    expect(doc.skipped[0]!.reason).toContain('pipe.png is a FIFO (named pipe), not a regular file');
    expect(doc.skipped[1]!.reason).toContain('/dev/zero is a character device, not a regular file');
  });

  it('refuses a FIFO given as the model, naming it, without hanging', async () => {
    const r = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o2', '--size', '32', '--model', 'pipe.safetensors']);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toContain('pipe.safetensors is a FIFO (named pipe), not a regular file');
  });
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { fixture, repoRoot } from '../../../test-utils/fixtures';

const run = promisify(execFile);
const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
const DEMO_MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');

async function aaclip(args: string[], opts: { expectFail?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, AACLIP_BACKEND: 'wasm' }, maxBuffer: 64 << 20, timeout: 600_000 });
    if (opts.expectFail) throw new Error(`expected failure, got success: ${r.stdout}`);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (!opts.expectFail) throw new Error(`aaclip ${args.join(' ')} failed (${err.code}): ${err.stderr}`);
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let dir: string;

/** A small MVTec-layout dataset of synthetic textures (train/good, test/good, test/<defect> + masks). */
async function writeMvtecLike(root: string, family: 'carpet' | 'wood', size: number, n: number): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  const png = (data: Uint8Array, ch: 1 | 3) => sharp(Buffer.from(data), { raw: { width: size, height: size, channels: ch } }).png();
  for (const [split, kind] of [['train', 'good'], ['test', 'good'], ['test', 'scratch']] as const) mkdirSync(join(root, family, split, kind), { recursive: true });
  mkdirSync(join(root, family, 'ground_truth', 'scratch'), { recursive: true });
  for (let i = 0; i < n; i++) {
    await png(generateTexture(family, size, 100 + i).data, 3).toFile(join(root, family, 'train', 'good', `${i}.png`));
    await png(generateTexture(family, size, 200 + i).data, 3).toFile(join(root, family, 'test', 'good', `${i}.png`));
    const d = addDefect(generateTexture(family, size, 300 + i), 'scratch', 400 + i);
    await png(d.image.data, 3).toFile(join(root, family, 'test', 'scratch', `${i}.png`));
    await png(d.mask.map((v) => v * 255), 1).toFile(join(root, family, 'ground_truth', 'scratch', `${i}_mask.png`));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-cli-'));
  await writeMvtecLike(join(dir, 'mvtec'), 'carpet', 128, 4);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaclip CLI', () => {
  it('prints help for every verb and fails clearly on bad usage', async () => {
    expect((await aaclip(['help'])).stdout).toContain('verbs:');
    for (const verb of ['detect', 'train', 'eval', 'convert', 'index', 'demo']) {
      expect((await aaclip([verb, '--help'])).stdout).toContain(`aaclip ${verb}`);
    }
    const bad = await aaclip(['nope'], { expectFail: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown verb "nope"');
    const noClass = await aaclip(['detect', 'x.png'], { expectFail: true });
    expect(noClass.code).toBe(2);
    expect(noClass.stderr).toContain('--class NAME is required');
    const unknownOpt = await aaclip(['index', dir, '--frobnicate'], { expectFail: true });
    expect(unknownOpt.code).toBe(2);
    expect(unknownOpt.stderr).toBe('aaclip index: unknown option --frobnicate\n');
  });

  it('index writes the jsonl manifest and refuses to overwrite it', async () => {
    const out = join(dir, 'manifest.jsonl');
    const r = await aaclip(['index', join(dir, 'mvtec'), '--format', 'mvtec', '--out', out, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 12, normal: 8, anomalous: 4, classes: ['carpet'] });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    expect(lines.find((l) => l.label === 1)).toMatchObject({ class_name: 'carpet' });
    expect(lines.find((l) => l.label === 1).mask_path).toMatch(/ground_truth\/scratch\/\d_mask\.png$/);
    const again = await aaclip(['index', join(dir, 'mvtec'), '--out', out], { expectFail: true });
    expect(again.stderr).toMatch(/exists|overwrite/);
  });

  it('convert turns a torch .pt into an fp16 aaclip model file, vision only', async () => {
    const out = join(dir, 'tiny-fp16.safetensors');
    const r = await aaclip(['convert', fixture('clip-openai.pt'), '--out', out, '--fp16', '--no-text', '--heads', '4', '--json']);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ dtype: 'float16', textTower: false });
    expect(s.config.vision).toEqual({ imageSize: 112, patchSize: 14, width: 64, layers: 24, heads: 4 });
    expect(s.bytes).toBeLessThan(3_000_000);
    expect((await aaclip(['convert', fixture('clip-openai.pt'), '--out', out], { expectFail: true })).stderr).toContain('exists');
  });

  it('detect writes overlays and scores with the demo model', async () => {
    const out = join(dir, 'detect');
    const imgs = readdirSync(join(dir, 'mvtec/carpet/test/scratch')).slice(0, 2).map((f) => join(dir, 'mvtec/carpet/test/scratch', f));
    const r = await aaclip(['detect', ...imgs, '--class', 'carpet', '--out', out, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.results).toHaveLength(2);
    for (const res of doc.results) {
      expect(existsSync(res.overlay)).toBe(true);
      expect(res.imageScore).toBeGreaterThan(0);
      expect(res.imageScore).toBeLessThan(1);
    }
    expect(JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')).className).toBe('carpet');
    expect((await aaclip(['detect', imgs[0]!, '--class', 'carpet', '--out', out, '--force', '--scale', 'x'], { expectFail: true })).stderr).toContain('--scale must be image or probability, got "x"');
    // a pool of worker threads gives the same scores
    const pooled = JSON.parse((await aaclip(['detect', ...imgs, '--class', 'carpet', '--out', join(dir, 'detect-pool'), '--workers', '2', '--json'])).stdout);
    expect(pooled.results.map((x: { score: number }) => x.score)).toEqual(doc.results.map((x: { score: number }) => x.score));
    // one unreadable image: reported and skipped, or the run stops with the file named
    const { writeFileSync } = await import('node:fs');
    const bad = join(dir, 'broken.png');
    writeFileSync(bad, 'not an image');
    const skip = JSON.parse((await aaclip(['detect', bad, imgs[0]!, '--class', 'carpet', '--out', join(dir, 'detect-skip'), '--on-error', 'skip', '--json'])).stdout);
    expect(skip.results).toHaveLength(1);
    expect(skip.skipped[0].image).toBe(bad);
    const stop = await aaclip(['detect', bad, '--class', 'carpet', '--out', join(dir, 'detect-stop')], { expectFail: true });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain(`cannot decode image ${bad}`);
    // the result table names its columns; overlays have the image's size (128 x 128 here)
    const table = (await aaclip(['detect', imgs[0]!, '--class', 'carpet', '--out', join(dir, 'detect-table')])).stdout.split('\n');
    expect(table[0]!.split(/\s{2,}/)).toEqual(['image', 'score', 'image score', 'map max', 'overlay']);
    expect(table[1]!.startsWith(imgs[0]!)).toBe(true);
  });

  it('eval prints the table and writes JSON, Markdown and HTML reports', async () => {
    const out = join(dir, 'eval');
    const r = await aaclip(['eval', '--data', join(dir, 'mvtec'), '--out', out]);
    expect(r.stdout).toMatch(/carpet/);
    expect(r.stdout).toMatch(/Average/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.classes[0].className).toBe('carpet');
    expect(report.classes[0].metrics.pixelAuroc).toBeGreaterThan(0.5);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('data:image/png;base64,');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| carpet');
    const again = await aaclip(['eval', '--data', join(dir, 'mvtec'), '--out', out], { expectFail: true });
    expect(again.stderr).toContain('use --force');
    const missing = await aaclip(['eval', '--data', join(dir, 'mvtec'), '--out', join(dir, 'eval2'), '--classes', 'bottle'], { expectFail: true });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('classes not in the dataset: bottle (it has carpet)');
  });

  it('train runs both stages, checkpoints, and resumes', async () => {
    const out = join(dir, 'train');
    const args = ['train', '--data', join(dir, 'mvtec'), '--split', 'test', '--model', DEMO_MODEL, '--out', out, '--stage1-epochs', '1', '--stage2-epochs', '1', '--batch1', '4', '--batch2', '4', '--seed', '3', '--json'];
    const r = await aaclip(args);
    const s = JSON.parse(r.stdout);
    expect(s.stage1Losses).toHaveLength(1);
    expect(s.stage2Losses).toHaveLength(1);
    expect(existsSync(join(out, 'adapters.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
    expect((await aaclip(args, { expectFail: true })).stderr).toContain('--resume');
    // resuming a finished run does no more steps and ends with the same losses
    const again = JSON.parse((await aaclip([...args, '--resume'])).stdout);
    expect(again.stage2Losses).toEqual(s.stage2Losses);
    // stage 2 on two threads (--workers 1): the same training, up to float32 rounding
    const pooledArgs = args.map((a) => (a === out ? join(dir, 'train-pooled') : a));
    const pooled = JSON.parse((await aaclip([...pooledArgs, '--workers', '1'])).stdout);
    expect(pooled.stage1Losses).toEqual(s.stage1Losses);
    expect(Math.abs(pooled.stage2Losses[0] - s.stage2Losses[0]) / s.stage2Losses[0]).toBeLessThan(1e-4);
    expect((await aaclip([...pooledArgs, '--force', '--workers', '-1'], { expectFail: true })).stderr).toContain('--workers');
  });
});

describe('aaclip demo', () => {
  it('generates unseen texture families, detects, prints the table and writes heatmaps and the HTML report', async () => {
    const out = join(dir, 'demo');
    // the bar: image and pixel AUROC of at least 0.90, averaged over the unseen families
    const r = await aaclip(['demo', '--out', out, '--json']);
    const s = JSON.parse(r.stdout);
    expect(s.unseen).toEqual(['leather', 'noise', 'carpet', 'dots']);
    expect(s.bar).toBe(0.9);
    expect(s.pass).toBe(true);
    expect(s.average.pixelAuroc).toBeGreaterThanOrEqual(0.9);
    expect(s.average.imageAuroc).toBeGreaterThanOrEqual(0.9);
    expect(s.seconds).toBeLessThan(300);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readdirSync(join(out, 'heatmaps')).length).toBeGreaterThanOrEqual(4);
  });
});

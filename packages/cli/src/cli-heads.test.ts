// Issue 18 at CLI level, on the built CLI (dist/cli.js) with the demo model: aaclip calibrate
// (known-good images at a false-positive rate, a labelled set), detect's OK/DEFECT verdicts from
// the stored thresholds, detect/eval/demo --method musc, few-shot --normal/--shots, bad input.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantile } from '@aaclip/core';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot, tinyFixtureDir } from '../../../test-utils/fixtures';
import { openSafetensorsFile } from '@aaclip/backend-node';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
const DEMO_MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
const EXAMPLES = ['carpet-good', 'carpet-hole', 'leather-good', 'leather-scratch'].map((n) => join(repoRoot, 'examples/images', `${n}.png`));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aaclip(args: string[]): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, AACLIP_BACKEND: 'wasm' };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env, maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function expectUsage(r: Run, text: string | RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  if (typeof text === 'string') expect(r.stderr).toContain(text);
  else expect(r.stderr).toMatch(text);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

let dir: string;
const png = (w: number, h: number, data: Uint8Array, ch: 1 | 3 = 3) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels: ch } }).png().toBuffer();

/** A jsonl manifest: class "carpet" with normal and anomalous images (and masks), class "plain" normal only. */
async function writeManifest(root: string): Promise<string> {
  mkdirSync(join(root, 'img'), { recursive: true });
  const lines: string[] = [];
  for (let k = 0; k < 6; k++) {
    const n = `n${k}.png`;
    writeFileSync(join(root, 'img', n), await png(64, 64, generateTexture('carpet', 64, 10 + k).data));
    lines.push(JSON.stringify({ image_path: `img/${n}`, label: 0, class_name: 'carpet', mask_path: '' }));
    const d = addDefect(generateTexture('carpet', 64, 50 + k), 'scratch', 90 + k);
    writeFileSync(join(root, 'img', `a${k}.png`), await png(64, 64, d.image.data));
    writeFileSync(join(root, 'img', `m${k}.png`), await png(64, 64, d.mask.map((v) => v * 255), 1));
    lines.push(JSON.stringify({ image_path: `img/a${k}.png`, label: 1, class_name: 'carpet', mask_path: `img/m${k}.png` }));
    const p = `p${k}.png`;
    writeFileSync(join(root, 'img', p), await png(64, 64, generateTexture('wood', 64, 30 + k).data));
    lines.push(JSON.stringify({ image_path: `img/${p}`, label: 0, class_name: 'plain', mask_path: '' }));
  }
  const path = join(root, 'data.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let manifest: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-cli-heads-'));
  mkdirSync(join(dir, 'good'));
  for (let k = 0; k < 5; k++) writeFileSync(join(dir, 'good', `g${k}.png`), await png(96, 96, generateTexture('carpet', 96, 200 + k).data));
  manifest = await writeManifest(join(dir, 'ds'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaclip calibrate and OK/DEFECT verdicts', () => {
  it('known-good images at --fpr: the (1 - fpr) quantile of their scores, stored in a new file that detect reads', async () => {
    const modelBefore = statSync(DEMO_MODEL).mtimeMs;
    const r = await aaclip(['calibrate', '--out', 'cal.safetensors', '--fpr', '0.2', '--class', 'carpet', 'good', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { calibration } = JSON.parse(r.stdout);
    const t = calibration.classes.carpet;
    expect(t).toMatchObject({ method: 'fpr', fpr: 0.2, normal: 5, anomalous: 0 });
    expect(statSync(DEMO_MODEL).mtimeMs).toBe(modelBefore); // the input is untouched
    // the stored thresholds, read back from the file's metadata
    const f = openSafetensorsFile(join(dir, 'cal.safetensors'));
    expect(JSON.parse(f.metadata['aaclip.calibration']!)).toEqual(calibration);
    f.close();
    // the same images detected: the image threshold is numpy's quantile(scores, 0.8)
    const d = await aaclip(['detect', ...[0, 1, 2, 3, 4].map((k) => `good/g${k}.png`), '--class', 'carpet', '--adapters', 'cal.safetensors', '--out', 'd1', '--json']);
    expect(d.code, d.stderr).toBe(0);
    const out = JSON.parse(d.stdout);
    const scores = out.results.map((x: { score: number }) => x.score);
    expect(t.image).toBeCloseTo(quantile(scores, 0.8), 5);
    expect(out.thresholdSource).toBe('calibrated');
    expect(out.threshold).toBe(t.image);
    for (const x of out.results) expect(x.verdict).toBe(x.score >= t.image ? 'DEFECT' : 'OK');
    expect(out.results.filter((x: { verdict: string }) => x.verdict === 'DEFECT')).toHaveLength(1); // 1 of 5 at fpr 0.2
    for (const x of out.results) expect(x.defectArea).toBeGreaterThanOrEqual(0);
    // the table: an OK/DEFECT column named after the stored threshold
    const table = await aaclip(['detect', 'good/g0.png', '--class', 'carpet', '--adapters', 'cal.safetensors', '--out', 'd2']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toContain(`verdict (calibrated: score >= ${Number(t.image.toFixed(4))})`);
    expect(table.stdout.split('\n')[1]).toMatch(/\s(OK|DEFECT)\s/);
    // --masks: the binary defect mask at the image's size, white where the map reaches the pixel threshold
    const mk = await aaclip(['detect', 'good/g0.png', '--class', 'carpet', '--adapters', 'cal.safetensors', '--out', 'd4', '--masks', '--json']);
    expect(mk.code, mk.stderr).toBe(0);
    const res = JSON.parse(mk.stdout).results[0];
    const { data, info } = await sharp(res.defectMask).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([96, 96]);
    for (const v of new Set(data)) expect([0, 255]).toContain(v);
    expect(data.reduce((a, v) => a + (v === 255 ? 1 : 0), 0) / data.length).toBeCloseTo(res.defectArea, 1);
    expectUsage(await aaclip(['detect', 'good/g0.png', '--class', 'wood', '--adapters', 'cal.safetensors', '--out', 'd5', '--masks']), '--masks needs the thresholds');
    // --threshold wins over the stored one
    const flag = await aaclip(['detect', 'good/g0.png', '--class', 'carpet', '--adapters', 'cal.safetensors', '--out', 'd3', '--threshold', '0', '--json']);
    expect(JSON.parse(flag.stdout)).toMatchObject({ threshold: 0, thresholdSource: 'flag', results: [{ verdict: 'DEFECT' }] });
  });

  it('a labelled set: F1-optimal thresholds per class', async () => {
    const r = await aaclip(['calibrate', '--out', 'cal-f1.safetensors', '--data', manifest, '--classes', 'carpet', '--split', 'all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout).calibration.classes.carpet;
    expect(t).toMatchObject({ method: 'f1', normal: 6, anomalous: 6 });
    expect(t.f1.image).toBeGreaterThan(0);
    expect(t.f1.pixel).toBeGreaterThan(0);
    expect(Number.isFinite(t.pixel)).toBe(true);
  });

  it('bad calibration input: usage errors (exit 2), nothing written, nothing overwritten', async () => {
    expectUsage(await aaclip(['calibrate', '--out', 'x.safetensors', '--data', manifest, '--classes', 'plain', '--split', 'all']), 'class "plain" has normal images only (6)');
    expectUsage(await aaclip(['calibrate', '--out', 'x.safetensors', '--class', 'carpet', 'good']), 'give --fpr X with known-good images, or --data ROOT');
    expectUsage(await aaclip(['calibrate', '--out', 'x.safetensors', '--fpr', '1', '--class', 'carpet', 'good']), '--fpr must be below 1');
    expectUsage(await aaclip(['calibrate', '--out', 'x.safetensors', '--fpr', '0', '--class', 'carpet', 'good']), '--fpr must be a number above 0');
    copyFileSync(DEMO_MODEL, join(dir, 'model-copy.safetensors'));
    const before = readFileSync(join(dir, 'model-copy.safetensors'));
    expectUsage(await aaclip(['calibrate', '--model', 'model-copy.safetensors', '--out', 'model-copy.safetensors', '--force', '--fpr', '0.1', '--class', 'carpet', 'good']), 'calibrate writes a new file and never replaces its input');
    expect(readFileSync(join(dir, 'model-copy.safetensors')).equals(before)).toBe(true);
    writeFileSync(join(dir, 'taken.safetensors'), 'mine');
    expectUsage(await aaclip(['calibrate', '--out', 'taken.safetensors', '--fpr', '0.1', '--class', 'carpet', 'good']), 'exists (use --force');
    expect(readFileSync(join(dir, 'taken.safetensors'), 'utf8')).toBe('mine');
    // a labelled set without normal images
    mkdirSync(join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'bad', 'a.png'), await png(32, 32, generateTexture('carpet', 32, 1).data));
    writeFileSync(join(dir, 'bad', 'm.png'), await png(32, 32, new Uint8Array(32 * 32).fill(255), 1));
    writeFileSync(join(dir, 'bad', 'data.jsonl'), `${JSON.stringify({ image_path: 'a.png', label: 1, class_name: 'c', mask_path: 'm.png' })}\n`);
    expectUsage(await aaclip(['calibrate', '--out', 'x.safetensors', '--data', join(dir, 'bad', 'data.jsonl'), '--split', 'all']), 'class "c" has no normal images');
  });
});

describe('--method musc and few-shot references', () => {
  it('detect --method musc on the example images: a batch scored together, on the CLIP alone', async () => {
    expectUsage(await aaclip(['detect', ...EXAMPLES, '--class', 'carpet', '--method', 'musc', '--out', 'm0']), 'needs at least 5 images for --topmin-max 0.3 (images given: 4); with 4 images use --topmin-max 0.34 or more (a fraction), or a count from 1 to 3');
    expectUsage(await aaclip(['detect', EXAMPLES[0]!, '--class', 'carpet', '--method', 'musc', '--out', 'm0']), 'needs at least 5 images');
    const r = await aaclip(['detect', ...EXAMPLES, '--class', 'carpet', '--method', 'musc', '--topmin-max', '0.34', '--model', DEMO_MODEL, '--out', 'm1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.method).toBe('musc');
    expect(out.results).toHaveLength(4);
    for (const x of out.results) {
      expect(Number.isFinite(x.score)).toBe(true);
      expect(x.score).toBe(x.imageScore); // MuSc's image score is RsCIN's
      expect(statSync(x.overlay).size).toBeGreaterThan(0);
    }
    // each defect image scores above the good image of its family
    const s = Object.fromEntries(out.results.map((x: { input: string; score: number }) => [x.input.split('/').pop()!.replace('.png', ''), x.score]));
    expect(s['carpet-hole']).toBeGreaterThan(s['carpet-good']);
    expect(s['leather-scratch']).toBeGreaterThan(s['leather-good']);
    // a folder stands for the images inside it: 5 known-good carpets, one batch at the default interval
    const f = await aaclip(['detect', 'good', '--class', 'carpet', '--method', 'musc', '--out', 'm3', '--json']);
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout).results.map((x: { input: string }) => x.input.split('/').pop())).toEqual(['g0.png', 'g1.png', 'g2.png', 'g3.png', 'g4.png']);
    mkdirSync(join(dir, 'no-images'), { recursive: true });
    expectUsage(await aaclip(['detect', 'no-images', '--class', 'carpet', '--method', 'musc', '--out', 'm3']), 'no-images is a folder without images');
    // a plain CLIP without adapters (OpenAI's .pt layout): MuSc needs --model only
    const plain = await aaclip(['detect', ...EXAMPLES, '--class', 'carpet', '--method', 'musc', '--topmin-max', '1', '--model', join(tinyFixtureDir, 'clip-openai.pt'), '--out', 'm4', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const ps = JSON.parse(plain.stdout).results.map((x: { score: number }) => x.score);
    expect(ps).toHaveLength(4);
    for (const v of ps) expect(Number.isFinite(v)).toBe(true);
    expect((await aaclip(['detect', EXAMPLES[0]!, '--class', 'carpet', '--model', join(tinyFixtureDir, 'clip-openai.pt'), '--out', 'm5'])).stderr).toContain('no image adapters');
    expectUsage(await aaclip(['detect', ...EXAMPLES, '--class', 'carpet', '--topmin-max', '0.5', '--out', 'm2']), '--topmin-max is a MuSc setting');
    expectUsage(await aaclip(['detect', ...EXAMPLES, '--class', 'carpet', '--method', 'musc', '--workers', '2', '--out', 'm2']), '--workers runs AA-CLIP alone');
  });

  it('detect --normal DIR --shots K adds the few-shot map; bad references are usage errors', async () => {
    const r = await aaclip(['detect', EXAMPLES[0]!, EXAMPLES[1]!, '--class', 'carpet', '--normal', 'good', '--shots', '2', '--out', 'f1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('normal references of "carpet": 2 images');
    const fs = JSON.parse(readFileSync(join(dir, 'f1', 'scores.json'), 'utf8'));
    expect(fs.results).toHaveLength(2);
    expect(fs.settings.normal.split(',')).toHaveLength(2); // the two chosen references are part of the settings
    const zs = JSON.parse((await aaclip(['detect', EXAMPLES[0]!, EXAMPLES[1]!, '--class', 'carpet', '--out', 'f0', '--json'])).stdout);
    // APRIL-GAN's image score of one image: 1/2 (image score + max of the summed map), not the zero-shot fusion
    expect(fs.results[0].imageScore).toBeCloseTo(zs.results[0].imageScore, 5);
    expect(fs.results[0].score).not.toBeCloseTo(zs.results[0].score, 3);
    expectUsage(await aaclip(['detect', EXAMPLES[0]!, '--class', 'carpet', '--shots', '2', '--out', 'f2']), '--shots K chooses among the --normal DIR images');
    expectUsage(await aaclip(['detect', EXAMPLES[0]!, '--class', 'carpet', '--normal', 'good', '--shots', '9', '--out', 'f2']), '--shots 9: --normal good holds only 5 images');
    mkdirSync(join(dir, 'empty'), { recursive: true });
    expectUsage(await aaclip(['detect', EXAMPLES[0]!, '--class', 'carpet', '--normal', 'empty', '--out', 'f2']), 'holds no images (.png, .jpg, ...): the reference set is empty');
  });

  it('eval --method musc writes the same report as AA-CLIP', async () => {
    const r = await aaclip(['eval', '--data', manifest, '--classes', 'carpet', '--method', 'musc', '--out', 'e1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const m = out.classes[0].metrics;
    for (const k of ['pixelAuroc', 'pixelAp', 'imageAuroc', 'imageAp', 'aupro', 'f1MaxPixel', 'f1MaxImage']) expect(m[k]).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(dir, 'e1', 'report.json'), 'utf8'));
    expect(report.title).toMatch(/^MuSc evaluation/);
  });

  it('eval --shots K banks K normal train images per class, chosen with the seed', async () => {
    const root = join(dir, 'mv');
    const put = async (rel: string, data: Uint8Array, ch: 1 | 3 = 3) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), await png(64, 64, data, ch));
    };
    for (let k = 0; k < 4; k++) await put(`carpet/train/good/t${k}.png`, generateTexture('carpet', 64, 300 + k).data);
    for (let k = 0; k < 3; k++) {
      await put(`carpet/test/good/g${k}.png`, generateTexture('carpet', 64, 400 + k).data);
      const d = addDefect(generateTexture('carpet', 64, 500 + k), 'scratch', 600 + k);
      await put(`carpet/test/scratch/s${k}.png`, d.image.data);
      await put(`carpet/ground_truth/scratch/s${k}_mask.png`, d.mask.map((v) => v * 255), 1);
    }
    const r = await aaclip(['eval', '--data', root, '--shots', '2', '--out', 'ek']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('carpet: 2 normal references');
    const report = JSON.parse(readFileSync(join(dir, 'ek', 'report.json'), 'utf8'));
    expect(report.title).toMatch(/^AA-CLIP \+ 2-shot normal references evaluation/);
    expect(report.classes[0].metrics.pixelAuroc).toBeGreaterThan(0.5);
    expectUsage(await aaclip(['eval', '--data', root, '--shots', '5', '--out', 'ek2']), '--shots 5:');
  });

  it('demo --method musc and --shots K print their tables', async () => {
    const m = await aaclip(['demo', '--method', 'musc', '--families', 'carpet', '--per-family', '3', '--out', 'dm', '--bar', '0']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.split('\n')[0]).toBe('MuSc:');
    expect(m.stdout).toMatch(/carpet\s+\d+\.\d/);
    const f = await aaclip(['demo', '--shots', '2', '--families', 'carpet', '--per-family', '3', '--out', 'df', '--bar', '0']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout.split('\n')[0]).toBe('AA-CLIP + 2-shot normal references:');
    expectUsage(await aaclip(['demo', '--method', 'musc', '--per-family', '2', '--out', 'dx']), 'needs at least 5 images for --topmin-max 0.3 (images per family (--per-family N gives N + N): 4)');
  });
});

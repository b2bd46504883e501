// The CLI reproductions of issues 13 (item 4) and 14 (items 1, 2, 5, 6, 9, 10, 11), each run on
// the built CLI (dist/cli.js) with the demo model, small images and small sizes.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { repoRoot } from '../../../test-utils/fixtures';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
const DEMO_MODEL = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aaclip(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, AACLIP_BACKEND: 'wasm', ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? dir, env, maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** A usage error: exit 2, one line on stderr, no stack. */
function expectUsage(r: Run, text: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(text);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

let dir: string;
const png = (w: number, h: number, data: Uint8Array, ch: 1 | 3 = 3) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels: ch } }).png().toBuffer();

/** A jsonl manifest of 32 px textures: classes with normal and anomalous images, one with normal images only. */
async function writeManifest(root: string, classes: { name: string; anomalous: boolean }[]): Promise<string> {
  mkdirSync(join(root, 'img'), { recursive: true });
  const lines: string[] = [];
  let k = 0;
  for (const c of classes) {
    for (let i = 0; i < 3; i++) {
      const n = `n${k++}.png`;
      writeFileSync(join(root, 'img', n), await png(32, 32, generateTexture('carpet', 32, 10 + k).data));
      lines.push(JSON.stringify({ image_path: `img/${n}`, label: 0, class_name: c.name, mask_path: '' }));
      if (!c.anomalous) continue;
      const d = addDefect(generateTexture('carpet', 32, 50 + k), 'scratch', 90 + k);
      const a = `a${k}.png`;
      writeFileSync(join(root, 'img', a), await png(32, 32, d.image.data));
      writeFileSync(join(root, 'img', `m${k}.png`), await png(32, 32, d.mask.map((v) => v * 255), 1));
      lines.push(JSON.stringify({ image_path: `img/${a}`, label: 1, class_name: c.name, mask_path: `img/m${k}.png` }));
    }
  }
  const path = join(root, 'data.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const CJK = '瓶'.repeat(33);
const LONG = 'a'.repeat(5000);
const HTML = '<img src=x onerror=alert(1)>';
let manifest: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-cli-repro-'));
  writeFileSync(join(dir, 'ok.png'), await png(200, 150, generateTexture('carpet', 200, 1).data.subarray(0, 200 * 150 * 3)));
  writeFileSync(join(dir, 'other.png'), await png(90, 60, generateTexture('wood', 90, 2).data.subarray(0, 90 * 60 * 3)));
  manifest = await writeManifest(join(dir, 'ds'), [
    { name: 'carpet', anomalous: true },
    { name: CJK, anomalous: true },
    { name: LONG, anomalous: true },
    { name: HTML, anomalous: false },
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('issue 13, item 4: aaclip detect tells the truth', () => {
  it('--version, overlays at the image size, a labelled result table, a verdict with --threshold', async () => {
    const v = await aaclip(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: `aaclip ${VERSION}\n` });
    const r = await aaclip(['detect', 'ok.png', 'other.png', '--class', 'carpet', '--out', 'o13', '--threshold', '0.5']);
    expect(r.code, r.stderr).toBe(0);
    for (const [f, w, h] of [['ok', 200, 150], ['other', 90, 60]] as const) {
      const m = await sharp(join(dir, 'o13', `${f}.overlay.png`)).metadata();
      expect([m.width, m.height]).toEqual([w, h]);
    }
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['image', 'score', 'image score', 'map max', 'verdict (score >= 0.5)', 'overlay']);
    const scores = JSON.parse(readFileSync(join(dir, 'o13', 'scores.json'), 'utf8'));
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const res = scores.results[i];
      const cells = row.split(/\s{2,}/);
      expect(cells).toEqual([res.input, res.score.toFixed(4), res.imageScore.toFixed(4), res.mapMax.toFixed(4), res.score >= 0.5 ? 'DEFECT' : 'OK', `o13/${res.input.replace('.png', '')}.overlay.png`]);
    });
  });

  it('exit 2 for every usage error, 1 at run time; messages without internal names', async () => {
    expectUsage(await aaclip(['detect', 'ok.png', '--class', 'x', '--frobnicate']), 'unknown option --frobnicate');
    expectUsage(await aaclip(['eval', '--data', 'nowhere', '--out', 'e']), 'aaclip eval: dataset not found: nowhere');
    expectUsage(await aaclip(['detect', 'ok.png', '--class', 'x', '--model', 'nowhere.pt']), 'aaclip detect: model not found: nowhere.pt');
    expectUsage(await aaclip(['train', '--data', 'nowhere', '--model', DEMO_MODEL, '--out', 't']), 'dataset not found: nowhere');
    expectUsage(await aaclip(['nope']), 'unknown verb "nope"');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const layout = await aaclip(['eval', '--data', 'notes.txt', '--out', 'e']);
    expectUsage(layout, 'notes.txt');
    expect(layout.stderr).not.toMatch(/detectDatasetFormat|lookupClass|parity: parity/);
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    const broken = await aaclip(['detect', 'broken.png', '--class', 'x', '--out', 'o-broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.png');
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it('flags are checked before the backend starts; its report only with --verbose; no Dawn noise in auto mode', async () => {
    const early = await aaclip(['detect', 'ok.png', '--class', 'x', '--size', '12', '--verbose']);
    expectUsage(early, "--size must be a multiple of the model's patch size 8 (demo.safetensors), got 12: use 8 or 16");
    expect(early.stderr).not.toContain('backend');
    const quiet = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o-quiet', '--size', '32'], { env: { AACLIP_BACKEND: undefined } });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/XDG_RUNTIME_DIR|Vulkan|Dawn|backend/);
    const verbose = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o-verbose', '--size', '32', '--verbose']);
    expect(verbose.stderr).toContain('backend wasm (environment)');
  });

  it('--adapters x.pth img.png does not swallow the image', async () => {
    // the demo model file holds adapters: given as --adapters, then an image
    const r = await aaclip(['detect', '--adapters', DEMO_MODEL, 'ok.png', '--class', 'carpet', '--out', 'o-adapters', '--size', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { input: string }) => x.input)).toEqual(['ok.png']);
  });
});

describe('issue 14', () => {
  it('item 1: detect never overwrites an input or an earlier output without --force; same-name inputs get distinct overlays', async () => {
    // mkdir d; cp ok.png d/p.png; cp other.png d/p.overlay.png; aaclip detect d/p.overlay.png d/p.png --class bottle --out d
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd/p.png'), readFileSync(join(dir, 'ok.png')));
    writeFileSync(join(dir, 'd/p.overlay.png'), readFileSync(join(dir, 'other.png')));
    expectUsage(await aaclip(['detect', 'd/p.overlay.png', 'd/p.png', '--class', 'bottle', '--out', 'd']), 'the output for d/p.png would replace the input d/p.overlay.png');
    expectUsage(await aaclip(['detect', 'd/p.overlay.png', 'd/p.png', '--class', 'bottle', '--out', 'd', '--force']), 'would replace the input');
    expect(readFileSync(join(dir, 'd/p.overlay.png'))).toEqual(readFileSync(join(dir, 'other.png')));
    expect(readdirSync(join(dir, 'd')).sort()).toEqual(['p.overlay.png', 'p.png']);
    // a/x.png, b/x.png, ok.png + ok.jpg, and a file given twice
    for (const p of ['a', 'b']) mkdirSync(join(dir, p));
    writeFileSync(join(dir, 'a/x.png'), readFileSync(join(dir, 'ok.png')));
    writeFileSync(join(dir, 'b/x.png'), readFileSync(join(dir, 'other.png')));
    writeFileSync(join(dir, 'ok.jpg'), await sharp(join(dir, 'other.png')).jpeg().toBuffer());
    const r = await aaclip(['detect', 'a/x.png', 'b/x.png', 'ok.png', 'ok.jpg', 'a/x.png', '--class', 'carpet', '--out', 'o1', '--size', '32']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('a/x.png is given more than once; detected once');
    const doc = JSON.parse(readFileSync(join(dir, 'o1/scores.json'), 'utf8'));
    expect(doc.results.map((x: { input: string }) => x.input)).toEqual(['a/x.png', 'b/x.png', 'ok.png', 'ok.jpg']);
    expect(new Set(doc.results.map((x: { overlay: string }) => x.overlay)).size).toBe(4);
    expect(readdirSync(join(dir, 'o1')).filter((f) => f.endsWith('.overlay.png'))).toHaveLength(4);
    expect(doc.complete).toBe(true);
    // an earlier output: refused without --force (nothing changed), kept with --resume, replaced with --force
    const before = readFileSync(join(dir, 'o1/scores.json'));
    expectUsage(await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o1', '--size', '32']), 'scores.json exists (use --force to overwrite or --resume to continue)');
    expect(readFileSync(join(dir, 'o1/scores.json'))).toEqual(before);
    mkdirSync(join(dir, 'o2'));
    writeFileSync(join(dir, 'o2/ok.overlay.png'), 'my file');
    expectUsage(await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o2', '--size', '32']), 'ok.overlay.png exists and is not an output of an earlier run with these settings');
    expect(readFileSync(join(dir, 'o2/ok.overlay.png'), 'utf8')).toBe('my file');
    const forced = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o2', '--size', '32', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await sharp(join(dir, 'o2/ok.overlay.png')).metadata()).width).toBe(200);
  });

  it('item 2: eval --resume and train --resume refuse results made with another --size', async () => {
    const ev = await aaclip(['eval', '--data', manifest, '--out', 'ev', '--size', '16', '--classes', 'carpet']);
    expect(ev.code, ev.stderr).toBe(0);
    // as if killed before the report: the class result stays in .partial
    for (const f of ['report.json', 'report.md', 'report.html']) rmSync(join(dir, 'ev', f));
    expectUsage(await aaclip(['eval', '--data', manifest, '--out', 'ev', '--size', '128', '--classes', 'carpet', '--resume']), 'was computed with other settings (size was 16, now 128)');
    expect(existsSync(join(dir, 'ev/report.json'))).toBe(false);
    const same = await aaclip(['eval', '--data', manifest, '--out', 'ev', '--size', '16', '--classes', 'carpet', '--resume']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('carpet: reused from');
    const train = ['train', '--data', manifest, '--split', 'test', '--classes', 'carpet', '--model', DEMO_MODEL, '--out', 'tr', '--stage1-epochs', '1', '--stage2-epochs', '1', '--batch1', '4', '--batch2', '4'];
    const t = await aaclip([...train, '--size', '16', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expectUsage(await aaclip([...train, '--size', '32', '--resume']), 'was trained with other settings (size was 16, now 32)');
    const again = await aaclip([...train, '--size', '16', '--resume', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stage2Losses).toEqual(JSON.parse(t.stdout).stage2Losses);
  });

  it('items 5 and 11: long and hostile class names, one-label classes (undefined image AUROC, or 0 with --official)', async () => {
    const r = await aaclip(['eval', '--data', manifest, '--out', 'ev-all', '--size', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of readdirSync(join(dir, 'ev-all/.partial'))) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(120);
    expect(readdirSync(join(dir, 'ev-all/.partial'))).toHaveLength(4);
    const report = JSON.parse(readFileSync(join(dir, 'ev-all/report.json'), 'utf8'));
    type Row = { className: string; metrics: { imageAuroc: number | null; imageAp: number | null } };
    const names: string[] = report.classes.map((c: Row) => c.className);
    expect(names.map((n) => n.length).sort((a, b) => a - b)).toEqual([6, 28, 33, 5000]);
    expect(names.includes(CJK) && names.includes(LONG) && names.includes(HTML)).toBe(true);
    const html = report.classes.find((c: Row) => c.className === HTML);
    expect(html.metrics.imageAuroc).toBeNull();
    expect(html.metrics.imageAp).toBeNull();
    const others = report.classes.filter((c: Row) => c.className !== HTML).map((c: Row) => c.metrics.imageAuroc as number);
    expect(others.every((v: number) => v >= 0 && v <= 1)).toBe(true);
    expect(report.average.imageAuroc).toBeCloseTo(others.reduce((a: number, b: number) => a + b, 0) / 3, 12);
    expect(report.notes).toEqual([`${HTML}: Image AUROC and Image AP undefined (its test images are all normal); left out of the average (--official reports 0 and averages it)`]);
    const md = readFileSync(join(dir, 'ev-all/report.md'), 'utf8');
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(readFileSync(join(dir, 'ev-all/report.html'), 'utf8')).not.toContain('<img src=x');
    const off = await aaclip(['eval', '--data', manifest, '--out', 'ev-off', '--size', '16', '--official', '--json']);
    expect(off.code, off.stderr).toBe(0);
    const offReport = JSON.parse(readFileSync(join(dir, 'ev-off/report.json'), 'utf8'));
    expect(offReport.classes.find((c: Row) => c.className === HTML).metrics.imageAuroc).toBe(0);
    expect(offReport.average.imageAuroc).toBeCloseTo(others.reduce((a: number, b: number) => a + b, 0) / 4, 12);
    expect(offReport.notes).toBeUndefined();
  });

  it('item 6: upper bounds, checked before the model loads', async () => {
    const args = ['detect', 'ok.png', '--class', 'x', '--model', 'nowhere.safetensors'];
    expectUsage(await aaclip([...args, '--workers', '1000']), '--workers must be an integer from 1 to');
    expectUsage(await aaclip([...args, '--size', '4096']), '--size must be an integer from 8 to 1024, got "4096"');
    expectUsage(await aaclip([...args, '--size', '100000']), '--size must be an integer from 8 to 1024, got "100000"');
    expectUsage(await aaclip([...args, '--opacity', '1e300']), '--opacity must be a number from 0 to 1, got "1e300"');
    expectUsage(await aaclip(['detect', 'ok.png', '--class', 'x', '--size', '9']), "--size must be a multiple of the model's patch size 8");
    expectUsage(await aaclip(['eval', '--data', manifest, '--out', 'x', '--size', '520']), '--size 520 gives 65 patches per side with patch 8');
  });

  it('item 9: one lock per output folder, naming the holder; a dead holder is taken over', async () => {
    mkdirSync(join(dir, 'locked'));
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)']);
    try {
      writeFileSync(join(dir, 'locked/.aaclip.lock'), JSON.stringify({ pid: sleeper.pid, host: hostname(), command: 'aaclip detect', started: '2026-01-01T00:00:00Z' }));
      const r = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'locked', '--size', '32']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`is in use by another aaclip run (pid ${sleeper.pid}, "aaclip detect", since 2026-01-01T00:00:00Z)`);
      expect(existsSync(join(dir, 'locked/scores.json'))).toBe(false);
    } finally {
      sleeper.kill();
      await new Promise((res) => sleeper.once('exit', res));
    }
    const r = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'locked', '--size', '32']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'locked/.aaclip.lock'))).toBe(false);
  });

  it('item 10: stale temporary files are removed by the next run', async () => {
    mkdirSync(join(dir, 'temps'));
    const stale = ['.scores.json.aaclip-999999999-deadbeef.tmp', '.ok.overlay.png.999999998.0badf00d.tmp'];
    for (const f of stale) writeFileSync(join(dir, 'temps', f), 'x');
    writeFileSync(join(dir, 'temps/.user.tmp'), 'mine');
    const r = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'temps', '--size', '32']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'temps')).sort()).toEqual(['.user.tmp', 'ok.overlay.png', 'scores.json']);
  });

  it('item 11: --vocab ignored with a byte tokenizer is said; --on-error skip always ends with outputs written', async () => {
    writeFileSync(join(dir, 'vocab.txt.gz'), 'x');
    const v = await aaclip(['detect', 'ok.png', '--class', 'carpet', '--out', 'o-vocab', '--size', '32', '--vocab', 'vocab.txt.gz']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain(`warning: --vocab is ignored: ${DEMO_MODEL} has its own byte-level tokenizer`);
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    writeFileSync(join(dir, 'broken2.png'), 'not an image');
    // an extreme aspect ratio (issue 14 item 3): refused by the reader, or failing later, it is skipped all the same
    writeFileSync(join(dir, 'thin.png'), await png(1, 70_000, new Uint8Array(70_000 * 3).fill(100)));
    const s = await aaclip(['detect', 'broken.png', 'thin.png', 'broken2.png', '--class', 'carpet', '--out', 'o-skip', '--on-error', 'skip', '--size', '32', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'o-skip/scores.json'), 'utf8'));
    expect(doc).toMatchObject({ complete: true, results: [] });
    expect(doc.skipped.map((x: { image: string }) => x.image)).toEqual([join(dir, 'broken.png'), join(dir, 'thin.png'), join(dir, 'broken2.png')]);
    expect(doc.skipped[1].reason).toContain('thin.png');
  });
});

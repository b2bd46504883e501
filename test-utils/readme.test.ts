// The README's code works as written: every fenced block marked `<!-- readme-test -->` runs here
// (sh blocks with bash, js blocks as an ES module), from the repository root as a newcomer runs
// it. Blocks marked `<!-- readme-test: real-weights -->` show ViT-L-14-336 file names; they run
// on the tiny reference CLIP and its official adapter files instead (same formats).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpeVocabPath, fixture, repoRoot } from './fixtures';
import { fakeCommit, startMockHub, tinyClipRepoFiles } from './mock-hub';

interface Block {
  lang: string;
  mark: string;
  code: string;
  line: number;
}

/** Fenced blocks preceded by a `<!-- readme-test[: mark] -->` line. */
function markedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- readme-test(?::\s*([\w-]+))? -->$/.exec(lines[i]!.trim());
    if (!m) continue;
    const fence = /^```(\w+)$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`README.md:${i + 1}: a readme-test mark must be followed by a fenced block`);
    const end = lines.indexOf('```', i + 2);
    blocks.push({ lang: fence[1]!, mark: m[1] ?? '', code: lines.slice(i + 2, end).join('\n'), line: i + 2 });
  }
  return blocks;
}

const blocks = markedBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
// inside the repository (gitignored /tmp/) so that a js block resolves the workspace packages
mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
const work = mkdtempSync(join(repoRoot, 'tmp', 'readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, AACLIP_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe'] });

function runJs(code: string, name: string): string {
  const file = join(work, `${name}.mjs`);
  writeFileSync(file, code);
  return run(process.execPath, [file]);
}

/** A block with its file names and paths pointed at files this test has. */
function substitute(code: string, pairs: [string, string][]): string {
  let out = code;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) throw new Error(`README block no longer contains ${from}: update test-utils/readme.test.ts`);
    out = out.split(from).join(to);
  }
  return out;
}

describe('README code blocks', () => {
  it('marks the blocks of "Use it on your images" and the Node example', () => {
    expect(blocks.map((b) => `${b.lang}${b.mark ? `:${b.mark}` : ''}`)).toEqual(['sh', 'js', 'sh:mock-hub', 'js:real-weights']);
  });

  it('the CLI block writes an overlay per image and scores.json, the defect scoring higher', () => {
    const block = blocks.find((b) => b.lang === 'sh' && !b.mark)!;
    const out = join(work, 'my-results');
    run('bash', ['-c', substitute(block.code, [['--out my-results', `--out ${out}`]])]);
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')) as { results: { image: string; imageScore: number; overlay: string }[] };
    expect(scores.results.map((r) => r.image.split('/').pop())).toEqual(['carpet-good.png', 'carpet-hole.png']);
    for (const r of scores.results) {
      const png = readFileSync(r.overlay);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], 'overlay at the input image size').toEqual([256, 256]);
    }
    const [good, hole] = scores.results as [{ imageScore: number }, { imageScore: number }];
    expect(hole.imageScore).toBeGreaterThan(good.imageScore);
  }, 180_000);

  it('the Node block on the demo model prints a score and a full-size map per image', () => {
    const block = blocks.find((b) => b.lang === 'js' && !b.mark)!;
    const lines = runJs(block.code, 'demo').trim().split('\n');
    expect(lines).toHaveLength(2);
    const scores = lines.map((l) => {
      const m = /^examples\/images\/carpet-(good|hole)\.png image score (\d\.\d{3}) map 16384 pixels$/.exec(l);
      expect(m, l).not.toBeNull();
      return Number(m![2]);
    });
    expect(scores[1]).toBeGreaterThan(scores[0]!);
  }, 180_000);

  it('the real-weights Node block runs on the tiny CLIP (TorchScript .pt, official .pth adapters)', () => {
    const block = blocks.find((b) => b.mark === 'real-weights')!;
    const code = substitute(block.code, [
      ["'ViT-L-14-336px.pt'", JSON.stringify(fixture('clip-openai-jit.pt'))],
      ["'text_adapter.pth'", JSON.stringify(fixture('text_adapter.pth'))],
      ["'image_adapter_20.pth'", JSON.stringify(fixture('image_adapter_1.pth'))],
      ["'bpe_simple_vocab_16e6.txt.gz'", JSON.stringify(bpeVocabPath)],
      ["'bottle.png'", JSON.stringify(fixture('preprocess-input.png'))],
      ['518', '140'], // the fixture CLIP's run size
    ]);
    const out = runJs(code, 'real-weights').trim().split(/\s+/).map(Number);
    expect(out).toHaveLength(3);
    const [imageScore, score, mapLength] = out as [number, number, number];
    expect(imageScore).toBeGreaterThan(0);
    expect(imageScore).toBeLessThan(1);
    expect(Number.isFinite(score)).toBe(true);
    expect(mapLength).toBe(140 * 140);
  }, 180_000);

  it('the Hub block runs against a local stand-in for the Hub (tiny CLIP and official adapter files by name)', async () => {
    const block = blocks.find((b) => b.mark === 'mock-hub')!;
    const hub = await startMockHub(new Map([
      ['openai/clip-vit-large-patch14-336', { commit: fakeCommit('clip'), files: tinyClipRepoFiles() }],
      ['your-name/aaclip-visa', { commit: fakeCommit('adapters'), files: new Map([['text_adapter.pth', readFileSync(fixture('text_adapter.pth'))], ['image_adapter_1.pth', readFileSync(fixture('image_adapter_1.pth'))]]) }],
    ]));
    try {
      const out = join(work, 'photo-results');
      const code = substitute(block.code, [['photo.png', fixture('preprocess-input.png')], ['--size 518', '--size 140'], ['--out photo-results', `--out ${out}`]]);
      // the process must run while this one's event loop serves the Hub: no execFileSync here
      const env = { ...process.env, AACLIP_BACKEND: 'wasm', HF_ENDPOINT: hub.url, AACLIP_CACHE: join(work, 'hub-cache'), HF_HUB_DISABLE_PROGRESS_BARS: '1' };
      await promisify(execFile)('bash', ['-c', code], { cwd: repoRoot, env });
      const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')) as { results: { imageScore: number }[] };
      expect(scores.results).toHaveLength(1);
      expect(scores.results[0]!.imageScore).toBeGreaterThan(0);
      expect(scores.results[0]!.imageScore).toBeLessThan(1);
      expect(hub.requests.length).toBeGreaterThan(0);
    } finally {
      await hub.close();
    }
  }, 180_000);
});

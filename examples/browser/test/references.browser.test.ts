// The browser example's training-free heads in Chromium (examples/browser, wasm only to stay
// fast): builds the app with Vite, serves it on 127.0.0.1, drives Debian's Chromium headless
// through playwright-core and the app's hook `window.__aaclip`:
// - few good images first: 4 generated good carpets become the class's normal references; a
//   defective carpet must then score above a good one, and the page must show the bank size;
// - MuSc batch: of 6 generated carpets (one defective) the defective one must score highest;
//   a 2-image batch must get the clear "needs at least N images" message, on the page too.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AAClipHook, GeneratedImage, ImageRequest } from '../src/hook-types';
import { formatValue } from '../src/legend';
import { launchChromium, type Chromium } from '../../../test-utils/chromium';
import { serveStatic, type StaticServer } from '../../../test-utils/static-server';
import { repoRoot } from '../../../test-utils/fixtures';

type HookWindow = Window & { __aaclip?: AAClipHook };

const EXAMPLE = resolve(repoRoot, 'examples', 'browser');
const OUTPUT = join(EXAMPLE, 'test-output');
const MODEL = process.env.AACLIP_EXAMPLE_MODEL ? resolve(process.env.AACLIP_EXAMPLE_MODEL) : resolve(repoRoot, 'packages', 'backend-node', 'models', 'demo.safetensors');
const SIZE = 128;
const carpet = (defect: string, seed: number): ImageRequest => ({ generate: { family: 'carpet', defect, seed, size: SIZE } satisfies GeneratedImage });

let outDir = '';
let server: StaticServer | undefined;
let browser: Chromium | undefined;
let page: Page;
const consoleLines: string[] = [];

beforeAll(async () => {
  if (!existsSync(MODEL)) throw new Error(`demo model missing: ${MODEL} (build it with \`node scripts/train-demo-model.mjs\`, or set AACLIP_EXAMPLE_MODEL)`);
  const t0 = performance.now();
  outDir = mkdtempSync(join(tmpdir(), 'aaclip-example-refs-'));
  await build({ configFile: join(EXAMPLE, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const t1 = performance.now();
  server = await serveStatic({ '/': outDir });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`page error: ${e.message}`));
  await page.goto(`${server.url}index.html?backend=wasm`);
  await page.waitForFunction(() => (window as HookWindow).__aaclip !== undefined, undefined, { timeout: 30_000 });
  console.log(`references setup: vite build ${((t1 - t0) / 1000).toFixed(1)} s, server + Chromium + page ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Awaits a page call; a failure carries the page's last console lines. */
async function withConsole<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast browser console lines:\n${consoleLines.slice(-15).join('\n')}`);
  }
}

const text = (id: string): Promise<string> => page.locator(`#${id}`).innerText();

describe('browser example: training-free heads in Chromium (wasm)', () => {
  it('few good images first: 4 good carpets as references, the defect scores above a good carpet, bank size shown', async () => {
    const t0 = performance.now();
    const added = await withConsole(
      page.evaluate((r) => (window as HookWindow).__aaclip!.addReferences(r), { backend: 'wasm' as const, className: 'carpet', images: [101, 102, 103, 104].map((s) => carpet('none', s)), replace: true }),
    );
    expect(added.backend.active).toBe('wasm');
    expect(added.images).toBe(4);
    expect(added.bankSize).toBeGreaterThan(0);
    expect(await text('bank-size')).toBe(`4 good images of "carpet", ${added.bankSize} patches per level`);

    const detect = (image: ImageRequest) => withConsole(page.evaluate((r) => (window as HookWindow).__aaclip!.detectWithReferences(r), { backend: 'wasm' as const, className: 'carpet', image }));
    const bad = await detect(carpet('missing', 7));
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'references-defect.png'), fullPage: true });
    const good = await detect(carpet('none', 8));
    for (const r of [bad, good]) {
      expect(r.references).toBe(4);
      expect(r.bankSize).toBe(added.bankSize);
      expect(r.anomalyMap).toHaveLength(r.size * r.size);
      expect(r.combinedMax).toBe(r.mapMax);
      expect(r.score).toBeCloseTo(0.5 * (r.imageScore + r.combinedMax), 5);
    }
    console.log(
      `references: add 4 in ${added.addMs.toFixed(0)} ms (bank ${added.bankSize} patches per level); defect score ${bad.score.toFixed(4)} (AA-CLIP alone ${bad.zeroShotScore.toFixed(4)}, ` +
        `few-shot max ${bad.fewShotMax.toExponential(2)}) vs good ${good.score.toFixed(4)} (AA-CLIP alone ${good.zeroShotScore.toFixed(4)}, few-shot max ${good.fewShotMax.toExponential(2)}); ` +
        `detect ${bad.detectMs.toFixed(0)} / ${good.detectMs.toFixed(0)} ms; ${((performance.now() - t0) / 1000).toFixed(1)} s in all`,
    );
    expect(bad.score).toBeGreaterThan(good.score);
    // the page shows the last one: its score, the bank size, the overlay's legend
    expect(await text('score')).toBe(formatValue(good.score));
    expect(await text('head')).toContain(`4 normal references (bank ${added.bankSize} patches per level)`);
    expect(await text('colour-range')).toBe(good.colours.text);
    expect(await page.locator('#colour-bar').isVisible()).toBe(true);
  }, 60_000);

  it('MuSc batch: of 6 carpets the defective one scores highest', async () => {
    const images = [201, 202, 203, 204, 205].map((s) => carpet('none', s));
    const defective = 2;
    images.splice(defective, 0, carpet('missing', 9));
    const r = await withConsole(page.evaluate((req) => (window as HookWindow).__aaclip!.muscBatch(req), { backend: 'wasm' as const, images }));
    await page.screenshot({ path: join(OUTPUT, 'musc-batch.png'), fullPage: true });
    console.log(`MuSc: 6 images in ${r.detectMs.toFixed(0)} ms; scores ${r.scores.map((s) => s.toFixed(4)).join(', ')} (defective: image ${defective})`);
    expect(r.backend.active).toBe('wasm');
    expect(r.scores).toHaveLength(6);
    expect(r.top).toBe(defective);
    expect(Math.max(...r.scores)).toBe(r.scores[defective]);
    expect(await page.locator('#musc-scores li').count()).toBe(6);
    expect(await page.locator('#musc-scores li.top').innerText()).toContain('missing defect');
    expect(await text('score')).toBe(formatValue(r.scores[defective]!));
  }, 60_000);

  it('MuSc batch of 2 images: a clear message, on the page too', async () => {
    const message = await page.evaluate(async (images) => {
      try {
        await (window as HookWindow).__aaclip!.muscBatch({ backend: 'wasm', images });
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    }, [carpet('none', 301), carpet('missing', 302)]);
    expect(message).toMatch(/^MuSc needs at least 5 images of one class .*; the batch has 2\. Add 3 more\.$/);
    expect(await text('status')).toBe(message);
    expect(await page.locator('#status').getAttribute('class')).toBe('error');
  }, 20_000);
});

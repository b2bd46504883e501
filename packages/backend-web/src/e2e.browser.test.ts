// End-to-end test of the browser example in a real browser: builds examples/browser with Vite,
// serves it on 127.0.0.1, drives Debian's Chromium (headless, WebGPU on SwiftShader) through
// playwright-core, and runs detection through the app's hook `window.__aaclip` on WebGPU, WebGL
// and wasm. The maps must match the Node wasm result of the same model and image, the defect
// must score above the background, and the fixture model must reproduce the PyTorch reference.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeImage, encodePng, loadDetector } from '@aaclip/backend-node';
import { addDefect, generateTexture, preprocessImage, readSafetensors, type DefectKind, type TextureFamily } from '@aaclip/core';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AAClipHook, BackendChoice, BatchRequest, BatchResponse, DetectRequest, DetectResponse } from '../../../examples/browser/src/hook-types';
import { launchChromium, type Chromium } from '../../../examples/browser/test/chromium';
import { maskMeans, maxAbsDiff, range } from '../../../examples/browser/test/map-stats';
import { serveStatic, type StaticServer } from '../../../examples/browser/test/static-server';
import { fixture, fixturesRoot, repoRoot } from '../../../test-utils/fixtures';
import { nchwToNhwc } from '../../../test-utils/read-safetensors-lite';

type HookWindow = Window & { __aaclip?: AAClipHook };

const EXAMPLE = resolve(repoRoot, 'examples', 'browser');
const OUTPUT = join(EXAMPLE, 'test-output');
const MODEL = process.env.AACLIP_EXAMPLE_MODEL ? resolve(process.env.AACLIP_EXAMPLE_MODEL) : resolve(repoRoot, 'packages', 'backend-node', 'models', 'demo.safetensors');
/** The generated test image: a texture family the demo model was not trained on, one defect. */
const SAMPLE = { family: 'carpet' as TextureFamily, defect: 'stain' as DefectKind, seed: 7 };

let outDir = '';
let server: StaticServer;
let browser: Chromium;
const pages = new Map<string, Page>();
const consoleLines: string[] = [];
const offsite: string[] = [];
let node: { png: string; mask: Uint8Array; width: number; height: number; size: number; map: Float32Array; score: number; imageScore: number };

beforeAll(async () => {
  if (!existsSync(MODEL)) throw new Error(`demo model missing: ${MODEL} (build it with \`node scripts/train-demo-model.mjs\`, or set AACLIP_EXAMPLE_MODEL)`);
  const t0 = performance.now();
  outDir = mkdtempSync(join(tmpdir(), 'aaclip-example-build-'));
  await build({ configFile: join(EXAMPLE, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const t1 = performance.now();
  // test data only: the fixtures are served by this test server, never built into the app
  server = await serveStatic({ '/': outDir, '/__fixtures/': fixturesRoot });
  browser = await launchChromium();
  browser.context.on('request', (r) => {
    if (!r.url().startsWith(server.url)) offsite.push(r.url());
  });

  // Node reference: the same model and image on the wasm backend
  await tf.setBackend('wasm');
  const { detector, bundle } = await loadDetector({ model: MODEL, prompts: { onWarning: () => undefined } });
  try {
    const size = bundle.config.vision.imageSize;
    const { image, mask } = addDefect(generateTexture(SAMPLE.family, size, SAMPLE.seed), SAMPLE.defect, SAMPLE.seed);
    const pngBytes = await encodePng(image);
    const decoded = await decodeImage(pngBytes, 'sample.png');
    const x = tf.tensor4d(preprocessImage(decoded, size), [1, size, size, 3]);
    const [d] = await detector.detect(x, { className: SAMPLE.family });
    x.dispose();
    node = { png: Buffer.from(pngBytes).toString('base64'), mask, width: image.width, height: image.height, size: d!.size, map: d!.anomalyMap, score: d!.score, imageScore: d!.imageScore };
  } finally {
    detector.dispose();
  }
  console.log(`e2e setup: vite build ${((t1 - t0) / 1000).toFixed(1)} s, browser + Node reference ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** The app's page for one backend (opened once; the model then comes from Cache Storage). */
async function appPage(backend: BackendChoice): Promise<Page> {
  let page = pages.get(backend);
  if (page) return page;
  page = await browser.context.newPage();
  page.on('console', (m) => consoleLines.push(`[${backend}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[${backend}] page error: ${e.message}`));
  await page.goto(`${server.url}index.html?backend=${backend}`);
  await page.waitForFunction(() => (window as HookWindow).__aaclip !== undefined, undefined, { timeout: 30_000 });
  pages.set(backend, page);
  return page;
}

async function hookDetect(page: Page, req: DetectRequest): Promise<DetectResponse> {
  try {
    return await page.evaluate((r) => (window as HookWindow).__aaclip!.detect(r), req);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nbrowser console:\n${consoleLines.slice(-20).join('\n')}`);
  }
}

async function hookBatch(page: Page, req: BatchRequest): Promise<BatchResponse> {
  try {
    return await page.evaluate((r) => (window as HookWindow).__aaclip!.detectBatch(r), req);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nbrowser console:\n${consoleLines.slice(-20).join('\n')}`);
  }
}

describe('browser example (Chromium, real backends)', () => {
  it.each(['webgpu', 'webgl', 'wasm'] as const)('%s: demo model on a generated defect matches Node wasm', async (backend) => {
    const page = await appPage(backend);
    const r = await hookDetect(page, { backend: backend === 'webgpu' ? 'auto' : backend, image: { base64: node.png }, className: SAMPLE.family });
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, `demo-${backend}.png`), fullPage: true });
    const diff = maxAbsDiff(r.anomalyMap, node.map);
    const m = maskMeans(r.anomalyMap, r.size, node.mask, node.width, node.height);
    console.log(`${backend}: load ${r.loadMs.toFixed(0)} ms, detect ${r.detectMs.toFixed(0)} ms, max |map - node| ${diff.toExponential(3)} (range ${range(node.map).toFixed(3)}), |score - node| ${Math.abs(r.score - node.score).toExponential(3)}, |imageScore - node| ${Math.abs(r.imageScore - node.imageScore).toExponential(3)}, mask ${m.inside.toFixed(4)} vs ${m.outside.toFixed(4)} (${(100 * m.fraction).toFixed(1)} %)`);
    expect(r.backend.active).toBe(backend);
    expect(r.size).toBe(node.size);
    expect(m.inside).toBeGreaterThan(m.outside);
  }, 180_000);

  it.each(['webgpu', 'webgl', 'wasm'] as const)('%s: fixture model reproduces the reference maps and image scores', async (backend) => {
    const inputs = readSafetensors(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(fixture('inputs.safetensors'))))).tensors;
    const expected = readSafetensors(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(fixture('expected.safetensors'))))).tensors;
    const im = inputs.get('images')!;
    const [b, , s] = im.shape as [number, number, number, number];
    const page = await appPage(backend);
    const r = await hookBatch(page, {
      backend,
      modelUrl: '/__fixtures/aaclip-tiny/clip-openai.safetensors',
      adapterUrl: '/__fixtures/aaclip-tiny/adapters.safetensors',
      tokenizerUrl: '/__fixtures/bpe_simple_vocab_16e6.txt.gz',
      visionHeads: 4,
      textHeads: 4,
      promptDataset: 'mvtec',
      classNames: ['bottle'],
      shape: [b, s, s, 3],
      data: Array.from(nchwToNhwc(im.data as Float32Array, im.shape)),
      className: 'bottle',
    });
    const refMap = expected.get('test.anomaly_map.industrial')!.data as Float64Array;
    const refPred = expected.get('test.image_pred')!.data as Float64Array;
    for (let i = 0; i < b; i++) {
      const ref = refMap.subarray(i * s * s, (i + 1) * s * s);
      console.log(`${backend} fixture image ${i}: detect ${r.detectMs.toFixed(0)} ms, max |map - ref| ${maxAbsDiff(r.anomalyMaps[i]!, ref).toExponential(3)} (range ${range(ref).toFixed(3)}), |pred - ref| ${Math.abs(r.imageScores[i]! - refPred[i]!).toExponential(3)}`);
    }
    expect(r.backend.active).toBe(backend);
  }, 180_000);

  it('fetched nothing outside the test server', () => {
    expect(offsite).toEqual([]);
  });
});

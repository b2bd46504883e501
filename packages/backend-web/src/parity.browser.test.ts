// The full parity suite (every output of the fixture README: towers, adapters, losses,
// gradients, one Adam step, maps, preprocessing, metrics) in headless Chromium on WebGPU, WebGL
// and wasm. The page runs @aaclip/core's computeParity, the same function as `npm run parity`
// in Node; the fixture files are served by this test's server from test-data/fixtures (never
// built into anything). Builds packages/backend-web/test-harness/parity with Vite.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeImageFile, runParity } from '@aaclip/backend-node';
import type { ParityRow } from '@aaclip/core/parity';
import type { RawImage } from '@aaclip/core';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Chromium } from '../../../test-utils/chromium';
import { serveStatic, type StaticServer } from '../../../test-utils/static-server';
import { fixture, fixturesRoot, repoRoot, tinyFixtureDir } from '../../../test-utils/fixtures';
import type { DecodedImage, HarnessBackend, MuscRunResponse, ParityHook, ParityRunResponse } from '../test-harness/parity/harness-types';

/*
 * Every output of every browser backend is held to the Node tolerance (the fixture README's
 * `max(20 * noise_floor, 1e-6 * max(1, max|expected|))`). Measured with Chromium 150 on
 * SwiftShader, the largest share of it per backend: wasm 55 % (stage2.seg_loss 3.57e-5 of
 * 6.49e-5, bit-identical to Node wasm), webgl 14 % (stage1.orthogonal 1.40e-7 of 1.00e-6; Node
 * wasm 2.1e-8: WebGL float32 textures, another summation order), webgpu 9 %
 * (stage1.grad.text_adapter.2.fc.0.weight 7.9e-7 of 8.4e-6). WebGL runs with float32 render
 * targets (WEBGL_RENDER_FLOAT32_CAPABLE); a 16-bit-only WebGL would not pass and backend-web
 * refuses it in auto mode.
 */

/**
 * tfjs flags set per backend. WebGPU here is SwiftShader, a CPU implementation: for products
 * of at most 128 outputs (the text tower's per-head attention logits, [L, 8] x [8, L])
 * tfjs-webgpu picks MatMulReduceProgram, a loop of 256 invocations with workgroup barriers that
 * SwiftShader runs ~200x slower than the tiled MatMulPackedProgram (measured 60 ms vs 0.3 ms
 * per [9, 8] x [8, 9] product; the suite would take over half an hour). The tiled program,
 * tfjs' default for products with enough workgroups, is forced for all; the e2e test runs
 * WebGPU with tfjs' defaults.
 */
const TF_FLAGS: Record<HarnessBackend, Record<string, number>> = {
  webgpu: { WEBGPU_MATMUL_PROGRAM_TYPE: 3 /* MatMulProgramType.MatMulPackedProgram */ },
  webgl: {},
  wasm: {},
};

const HARNESS = resolve(repoRoot, 'packages', 'backend-web', 'test-harness', 'parity');
const WASM_DIR = resolve(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const BACKENDS: readonly HarnessBackend[] = ['wasm', 'webgl', 'webgpu'];

let outDir = '';
let server: StaticServer | undefined;
let browser: Chromium | undefined;
const consoleLines: string[] = [];
let nodeRows = new Map<string, ParityRow>();
let nodePixels: { image: RawImage; mask: RawImage };

beforeAll(async () => {
  const t0 = performance.now();
  outDir = mkdtempSync(join(tmpdir(), 'aaclip-parity-harness-'));
  await build({
    root: HARNESS,
    configFile: false,
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  });
  const t1 = performance.now();
  // test data only: served from the fixtures folder by this server, never copied
  server = await serveStatic({ '/': outDir, '/__fixtures/': fixturesRoot, '/__wasm/': WASM_DIR });
  browser = await launchChromium();
  // Node reference run (wasm, ~4 s): the same function on the same files
  await tf.setBackend('wasm');
  const node = await runParity({ fixture: tinyFixtureDir });
  nodeRows = new Map(node.rows.map((r) => [r.name, r]));
  nodePixels = { image: await decodeImageFile(fixture('preprocess-input.png')), mask: await decodeImageFile(fixture('preprocess-mask.png')) };
  console.log(`parity setup: vite build ${((t1 - t0) / 1000).toFixed(1)} s, server + Chromium + Node wasm parity ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

type HookWindow = Window & { __aaclipParity?: ParityHook };

/** Runs `call` on the harness of a fresh page (a fresh tfjs); console lines are tagged `tag`. */
async function inPage<T>(tag: string, call: (hook: ParityHook) => Promise<T>): Promise<T> {
  const page: Page = await browser!.context.newPage();
  page.on('console', (m) => consoleLines.push(`[${tag}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[${tag}] page error: ${e.message}`));
  try {
    await page.goto(`${server!.url}index.html`);
    await page.waitForFunction(() => (window as HookWindow).__aaclipParity !== undefined, undefined, { timeout: 30_000 });
    return await call({
      run: (r) => page.evaluate((req) => (window as HookWindow).__aaclipParity!.run(req), r),
      runMusc: (r) => page.evaluate((req) => (window as HookWindow).__aaclipParity!.runMusc(req), r),
    } as ParityHook);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast browser console lines:\n${consoleLines.slice(-15).join('\n')}`);
  } finally {
    await page.close();
  }
}

/** The AA-CLIP fixture for one backend. */
function runInPage(backend: HarnessBackend): Promise<ParityRunResponse> {
  return inPage(backend, (hook) => hook.run({
    backend,
    fixtureUrl: `${server!.url}__fixtures/aaclip-tiny/`,
    vocabUrl: `${server!.url}__fixtures/bpe_simple_vocab_16e6.txt.gz`,
    wasmPaths: `${server!.url}__wasm/`,
    tfFlags: TF_FLAGS[backend],
  }));
}

/** RGB(A) / gray samples of the page's decoding against Node's (sharp, as PIL sees the file). */
function pixelMismatches(page: DecodedImage, node: RawImage): number {
  expect([page.width, page.height]).toEqual([node.width, node.height]);
  let bad = 0;
  const nc = node.channels;
  for (let p = 0; p < node.width * node.height; p++) {
    for (let c = 0; c < page.channels; c++) {
      // the page gives RGBA: colour from Node's RGB (or its gray repeated), alpha opaque
      const want = c === 3 ? (nc === 2 || nc === 4 ? Number(node.data[p * nc + nc - 1]) : 255) : Number(node.data[p * nc + (nc >= 3 ? c : 0)]);
      if (page.data[p * page.channels + c] !== want) bad++;
    }
  }
  return bad;
}

const fmt = (v: number): string => v.toExponential(2);

describe('parity suite in Chromium (core computeParity, 82 outputs)', () => {
  it.each(BACKENDS)('%s: every output within its tolerance', async (backend) => {
    const r = await runInPage(backend);
    expect(r.backend).toBe(backend);
    // exact decoding: the page's PNG pixels are the stored samples, as Node (and PIL) read them
    expect(pixelMismatches(r.decoded.image, nodePixels.image)).toBe(0);
    expect(pixelMismatches(r.decoded.mask, nodePixels.mask)).toBe(0);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    // the same outputs as the Node run
    expect(r.rows.map((x) => x.name).sort()).toEqual([...nodeRows.keys()].sort());
    expect(r.rows.length).toBe(82);

    const failed: string[] = [];
    for (const row of r.rows) {
      if (!(row.maxAbsDiff <= row.tolerance)) failed.push(`${row.name}: ${fmt(row.maxAbsDiff)} > ${fmt(row.tolerance)} (Node wasm ${fmt(nodeRows.get(row.name)!.maxAbsDiff)})`);
    }
    const worst = [...r.rows]
      .filter((x) => !x.name.startsWith('metrics.') && x.name !== 'tokens')
      .sort((a, b) => b.maxAbsDiff / b.tolerance - a.maxAbsDiff / a.tolerance)
      .slice(0, 5)
      .map((x) => `${x.name} ${fmt(x.maxAbsDiff)} (${((100 * x.maxAbsDiff) / x.tolerance).toFixed(0)}% of ${fmt(x.tolerance)}; Node wasm ${fmt(nodeRows.get(x.name)!.maxAbsDiff)})`);
    console.log(
      `${backend}: ${r.rows.length - failed.length}/${r.rows.length} within tolerance (${r.rows.filter((x) => x.ok).length} at the Node tolerance); ` +
        `fetch ${(r.fetchMs / 1000).toFixed(1)} s, parity ${(r.computeMs / 1000).toFixed(1)} s; flags ${JSON.stringify(r.flags)}\n` +
        `  largest vs Node tolerance: ${worst.join('; ')}`,
    );
    expect(failed).toEqual([]);
  }, 900_000); // WebGPU on SwiftShader: 74-115 s quiet, over 420 s under a load of 8
});

/** The MuSc fixture for one backend. */
function runMuscInPage(backend: HarnessBackend): Promise<MuscRunResponse> {
  return inPage(`musc ${backend}`, (hook) => hook.runMusc({
    backend,
    fixtureUrl: `${server!.url}__fixtures/musc-tiny/`,
    wasmPaths: `${server!.url}__wasm/`,
    tfFlags: TF_FLAGS[backend],
  }));
}

// MuSc (the fixture README's "MuSc" section): LNAMD, MSM, maps and scores from the fixture's
// tokens, core's computeMuscParity as in Node, at the Node tolerance.
// wasm and WebGL: WebGPU runs on SwiftShader here (75 s for these 31 outputs, 31/31 when
// measured: docs/musc.md); the WebGPU ops MuSc uses are those of the AA-CLIP suite above
const MUSC_BACKENDS: readonly HarnessBackend[] = ['wasm', 'webgl'];
describe('MuSc parity in Chromium (core computeMuscParity, 31 outputs)', () => {
  it.each(MUSC_BACKENDS)('%s: every output within its tolerance', async (backend) => {
    const r = await runMuscInPage(backend);
    expect(r.backend).toBe(backend);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(r.rows.length).toBe(31);
    const failed = r.rows.filter((x) => !(x.maxAbsDiff <= x.tolerance)).map((x) => `${x.name}: ${fmt(x.maxAbsDiff)} > ${fmt(x.tolerance)}`);
    const worst = [...r.rows].sort((a, b) => b.maxAbsDiff / b.tolerance - a.maxAbsDiff / a.tolerance)[0]!;
    console.log(`musc ${backend}: ${r.rows.length - failed.length}/${r.rows.length} within tolerance in ${(r.computeMs / 1000).toFixed(1)} s; largest ${worst.name} ${fmt(worst.maxAbsDiff)} (${((100 * worst.maxAbsDiff) / worst.tolerance).toFixed(0)}% of ${fmt(worst.tolerance)})`);
    expect(failed).toEqual([]);
  }, 420_000);
});

// The fused kernels (@aaclip/kernels/tfjs) in a real browser: bundles fused-kernels-page.ts with Vite,
// serves it on 127.0.0.1 and drives Debian's Chromium headless (WebGPU on the SwiftShader
// adapter) through playwright-core. On WebGPU (the WGSL kernels) and wasm (the SIMD module, as
// Chromium compiles it), every fused result and gradient must match the composite ops, and no
// tensor may leak. Times are printed, never asserted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Chromium } from '../../../test-utils/chromium';
import { serveStatic, type StaticServer } from '../../../test-utils/static-server';
import { repoRoot } from '../../../test-utils/fixtures';
import type { FusedCheck } from './fused-kernels-page';

const PAGE_ENTRY = resolve(repoRoot, 'packages', 'backend-web', 'src', 'fused-kernels-page.ts');
const WASM_DIST = resolve(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

/** Largest relative difference allowed per backend (measured: see the printed table). */
const TOLERANCE = { webgpu: 1e-5, wasm: 1e-5 } as const;

let outDir = '';
let server: StaticServer | undefined;
let browser: Chromium | undefined;
let page: Page | undefined;
const consoleLines: string[] = [];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'aaclip-fused-page-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, minify: false, lib: { entry: PAGE_ENTRY, formats: ['es'], fileName: () => 'page.js' } },
  });
  writeFileSync(join(outDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>fused kernels</title><script type="module" src="./page.js"></script>');
  server = await serveStatic({ '/': outDir, '/wasm/': WASM_DIST });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`page error: ${e.message}`));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => '__fusedKernels' in window, undefined, { timeout: 30_000 });
}, 360_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function check(backend: 'webgpu' | 'wasm'): Promise<FusedCheck> {
  try {
    return await page!.evaluate(
      ([b, base]) => (window as unknown as { __fusedKernels: { check(b: string, base: string): Promise<FusedCheck> } }).__fusedKernels.check(b, base),
      [backend, `${server!.url}wasm/`] as const,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast browser console lines:\n${consoleLines.slice(-15).join('\n')}`);
  }
}

describe('fused kernels in Chromium', () => {
  it.each(['webgpu', 'wasm'] as const)('%s: fused == composite (values and gradients), no leak', async (backend) => {
    const r = await check(backend);
    console.log(
      `${backend} (${r.active.join(', ')}):\n` +
        r.cases.map((c) => `  ${c.name.padEnd(58)} diff ${c.diff.toExponential(1)}  composite ${c.compositeMs.toFixed(1)} ms  fused ${c.fusedMs.toFixed(1)} ms`).join('\n'),
    );
    expect(r.backend).toBe(backend);
    expect(r.active).toEqual(['AAClipLayerNorm', 'AAClipGelu', 'AAClipQuickGelu', 'AAClipHeadSlice']);
    for (const c of r.cases) expect(c.diff, c.name).toBeLessThan(TOLERANCE[backend]);
    expect(r.leaked).toBe(0);
  }, 360_000);
});

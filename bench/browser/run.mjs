// Issue 19 (c): the CLIP vision forward on tfjs-wasm in Chromium, on a cross-origin isolated
// page (COOP same-origin + COEP require-corp, served from 127.0.0.1), with the own GEMM engine on
// N Workers against 1, and tfjs' XNNPACK (its threaded build: isolation gives it threads too).
// One page load per case, cases alternating, `--rounds` times; lines to bench/results/<ts>-browser.jsonl.
//
//   node bench/browser/run.mjs [--model ViT-B-16] [--size 224] [--threads 2] [--repeat 3] [--rounds 2]
// Needs Debian's chromium (apt-get install chromium) and the packages built (npm run build);
// the page is bundled here with esbuild (bench/browser/dist).
import { execFileSync } from 'node:child_process';
import { appendFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseArgs } from '../lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = parseArgs();
const model = args.model ?? 'ViT-B-16';
const size = Number(args.size ?? 224);
const threads = Number(args.threads ?? os.availableParallelism());
const repeat = Number(args.repeat ?? 3);
const rounds = Number(args.rounds ?? 2);
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });

// the page and the GEMM worker, bundled for the browser
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
const bundle = (entry, out) => execFileSync(esbuild, [entry, '--bundle', '--format=esm', '--platform=browser', `--outfile=${join(dist, out)}`, '--log-level=error'], { cwd: root, stdio: 'inherit' });
bundle(join(here, 'page.ts'), 'page.js');
bundle(join(root, 'packages', 'kernels', 'src', 'web-worker.ts'), 'gemm-worker.js');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
const mounts = [['/tfjs-wasm/', join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')], ['/', dist], ['/', here]];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) continue;
    // cross-origin isolation: SharedArrayBuffer, shared WebAssembly memory and Atomics.wait in Workers
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(res);
    return;
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '-');
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = join(root, 'bench', 'results', `${stamp}-browser.jsonl`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const record = (o) => {
  console.log(JSON.stringify(o));
  appendFileSync(out, JSON.stringify(o) + '\n');
};
const browser = await chromium.launch({ executablePath: process.env.AACLIP_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
record({ case: 'machine', chromium: browser.version(), cores: os.availableParallelism(), loadavg: load(), uptime: execFileSync('uptime').toString().trim() });
const cases = [['own', threads], ['own', 1], ['xnnpack', threads], ['xnnpack', 1]];
const results = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const [gemm, n] of cases) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'warning' && errors.push(m.text()));
      await page.goto(url);
      await page.waitForFunction(() => typeof globalThis.__bench === 'function');
      const before = load();
      const r = await page.evaluate((o) => globalThis.__bench(o), { model, size, gemm, threads: n, repeat });
      record({ case: `${model} vision forward, Chromium wasm`, ...r, asked: n, warnings: errors, loadBefore: before, loadAfter: load() });
      results.push(r);
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
const best = {};
for (const r of results) best[`${r.gemm} ${r.threads}`] = Math.min(best[`${r.gemm} ${r.threads}`] ?? Infinity, r.best);
record({ case: 'summary', model, size, best, ownThreadsToOne: best[`own ${threads}`] / best['own 1'], loadavg: load() });
console.log(`written to ${out}`);

// MuSc's scoring stage (LNAMD + MSM + means + upsampling + RsCIN; the CLIP forward excluded) on
// random tokens of ViT-L-14-336 shapes at 518 px: 37 x 37 patches (1370 tokens with the class
// token), width 1024, 4 layers, degrees 1/3/5, class tokens of width 768.
//
//   node bench/musc.mjs --images 5,10                      one process per case, JSON lines to
//                                                          bench/results/<timestamp>-musc.jsonl
//   node bench/musc.mjs --images 50 --layers 1 --r 1       a reduced case (1 of the 12 layer x degree products)
//   node bench/musc.mjs --images 5,10 --extrapolate 50,100,200
//       fits t(N) = a N + b N (N - 1) / 2 to the full-configuration cases measured in this run and
//       adds rows marked "extrapolated" (the MSM products are N (N - 1) / 2 per layer and degree)
//   AACLIP_GEMM=xnnpack: tfjs' own matMul instead of the multi-threaded GEMM backend-node plugs in on wasm
//   --backend wasm|cpu  --divide 1  --pair-block 4  --grid 37  --width 1024  --embed 768  --no-save
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs, peakRssMiB, wasmHeapMiB } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const num = (k, d) => Number(args[k] ?? d);
const list = (k, d) => String(args[k] ?? d).split(',').filter(Boolean).map(Number);

if (args.one) {
  // ---- one case, in this process (peak RSS is this case's)
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('@aaclip/backend-node');
  const { scoreMuscTokens, emptyMuscTokens, matMulProvider } = await import('@aaclip/core');
  const report = await useBackend(args.backend ?? 'wasm');
  const N = Number(args.one);
  const G = num('grid', 37);
  const C = num('width', 1024);
  const E = num('embed', 768);
  const layers = num('layers', 4);
  const rList = list('r', '1,3,5');
  const P = G * G;
  // random tokens: an LCG is enough (the cost does not depend on the values)
  let x = 12345;
  const fill = (a) => {
    for (let i = 0; i < a.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      a[i] = x / 4294967296 - 0.5;
    }
    return a;
  };
  const store = emptyMuscTokens(layers, G, C, E);
  for (let l = 0; l < layers; l++) for (let i = 0; i < N; i++) store.tokens[l].push(fill(new Float32Array(P * C)));
  for (let i = 0; i < N; i++) {
    const c = fill(new Float32Array(E));
    const n = Math.hypot(...c);
    store.classTokens.push(c.map((v) => v / n));
  }
  const rssTokensMiB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let pairs = 0;
  await scoreMuscTokens(store, num('size', 518), { rList, divideNum: num('divide', 1), pairBlock: num('pair-block', 4) }, { onProgress: (d) => (pairs = d) });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      case: 'MuSc scoring stage (LNAMD + MSM + RsCIN)',
      backend: report.active,
      // the product engine: @aaclip/kernels' multi-threaded GEMM (the wasm default) or tfjs' XNNPACK (AACLIP_GEMM=xnnpack)
      gemm: matMulProvider() ? `own GEMM (${process.env.AACLIP_THREADS ?? os.availableParallelism()} threads)` : 'tfjs XNNPACK (1 thread)',
      images: N,
      grid: G,
      width: C,
      layers,
      rList,
      divideNum: num('divide', 1),
      pairProducts: pairs,
      seconds,
      secondsPerImage: seconds / N,
      peakRssMiB: peakRssMiB(),
      rssAfterTokensMiB: rssTokensMiB,
      tokenStoreMiB: (layers * N * P * C * 4) / 2 ** 20,
      wasmHeapMiB: wasmHeapMiB(),
      tensorsLeft: tf.memory().numTensors,
      measured: true,
    }),
  );
  process.exit(0);
}

// ---- driver: one child process per case
const images = list('images', '5,10');
const passThrough = ['backend', 'grid', 'width', 'embed', 'layers', 'r', 'divide', 'pair-block', 'size'].flatMap((k) => (args[k] ? [`--${k}`, args[k]] : []));
const rows = [];
const load0 = os.loadavg()[0];
for (const n of images) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16384', fileURLToPath(import.meta.url), '--one', String(n), ...passThrough], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) {
    console.error(`case ${n} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
    process.exit(1);
  }
  const row = { ...JSON.parse(line), loadAverage1m: os.loadavg()[0], cpus: os.cpus().length };
  rows.push(row);
  console.log(`${String(n).padStart(4)} images: ${row.seconds.toFixed(1)} s (${row.pairProducts} pair products of [${row.grid ** 2}, ${row.width}] x [${row.width}, ${row.grid ** 2}]), peak RSS ${row.peakRssMiB.toFixed(0)} MiB`);
}
const want = args.extrapolate ? list('extrapolate', '') : [];
const full = rows.filter((r) => r.layers === 4 && r.rList.length === 3 && r.divideNum === 1);
if (want.length) {
  if (full.length < 2) {
    console.error('--extrapolate needs two full-configuration cases (4 layers, r 1,3,5, divide 1) in this run');
    process.exit(1);
  }
  // t(N) = a N + b N (N - 1) / 2, least squares over the measured cases
  let [saa, sab, sbb, sat, sbt] = [0, 0, 0, 0, 0];
  for (const r of full) {
    const u = r.images;
    const v = (r.images * (r.images - 1)) / 2;
    saa += u * u;
    sab += u * v;
    sbb += v * v;
    sat += u * r.seconds;
    sbt += v * r.seconds;
  }
  const det = saa * sbb - sab * sab;
  const a = (sat * sbb - sbt * sab) / det;
  const b = (saa * sbt - sab * sat) / det;
  // memory: the measured RSS of the largest case, plus per image its tokens (4 layers), one
  // layer-degree's LNAMD output, its output map, and the N x N x P MSM minima
  const ref = full[full.length - 1];
  const P = ref.grid ** 2;
  const perImage = ((4 + 1) * P * ref.width * 4 + 518 * 518 * 4 * 2) / 2 ** 20;
  const mem = (n) => ref.peakRssMiB + (n - ref.images) * perImage + (4 * P * (n * n - ref.images * ref.images)) / 2 ** 20;
  for (const n of want) {
    const row = { case: 'MuSc scoring stage (LNAMD + MSM + RsCIN)', backend: ref.backend, images: n, grid: ref.grid, width: ref.width, layers: 4, rList: ref.rList, divideNum: 1, pairProducts: 12 * (n * (n - 1)) / 2, seconds: a * n + (b * n * (n - 1)) / 2, peakRssMiB: mem(n), measured: false, extrapolated: { from: full.map((r) => r.images), secondsPerImage: a, secondsPerPair: b, fit: 't(N) = a N + b N (N-1)/2; RSS = measured + per-image tokens/LNAMD/maps + 4 N^2 P bytes of MSM minima' } };
    rows.push(row);
    console.log(`${String(n).padStart(4)} images: ~${(row.seconds / 60).toFixed(0)} min, ~${(row.peakRssMiB / 1024).toFixed(1)} GiB peak RSS (extrapolated)`);
  }
}
if (args['no-save'] !== 'true') {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-musc.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify({ ...r, loadAverageAtStart: load0 })).join('\n') + '\n');
  console.log(`wrote ${file}`);
}

// npm run bench: prints a table and writes bench/results/<timestamp>.json (the history).
// Each case runs in its own Node process so that peak RSS is measured per case.
//
//   npm run bench                         full sizes (ViT-L-14-336 at 336/518 px; ~12 min on a quiet 2-core machine)
//   npm run bench -- --quick              small configs (ViT-B-16 at 224 px, 4-block training proxy; ~2 min)
//   npm run bench -- --only forward,pool  some groups: forward, pool, train, anchors, metrics, demo (vision: plain CLIP tower)
//   npm run bench -- --pytorch FILE       PyTorch reference JSON (default: the newest bench/results/pytorch-*.json of the mode)
//   npm run bench -- --workers 2 --model-dir DIR --no-save
//
// PyTorch references come from `python3 bench/pytorch/aaclip_bench.py all [--quick]` (saved JSON;
// this script never runs Python). Without one, the two forward rows fall back to the issue's
// figures (PyTorch 1.13, CPU, 2 threads: 8.1 s at 336 px, 21.2 s at 518 px).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { aaclipFlops, parseArgs, presetConfig } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const quick = args.quick === 'true';
const workers = Number(args.workers ?? 2);
const only = args.only ? new Set(args.only.split(',')) : null;
const modelDir = args['model-dir'] ?? os.tmpdir();
const WASM_PEAK = 25; // GFLOP/s per core: tfjs-wasm's plain 2-D matMul on this machine

const big = quick ? 'ViT-B-16' : 'ViT-L-14-336';
const sizes = quick ? [224] : [336, 518];
const poolBatch = quick ? 4 : 8;
const modelFile = join(modelDir, `aaclip-bench-${big}.safetensors`);

/** Each row: a group, a script with arguments, and the key of its PyTorch reference. */
const rows = [];
for (const s of sizes) {
  rows.push({ group: 'forward', name: `${big} AA-CLIP forward, ${s} px, batch 1, 1 thread`, script: 'vision-forward.mjs', argv: ['--model', big, '--size', String(s), '--repeat', '2', '--backend', 'wasm', '--aaclip'], key: `forward/${big}/${s}/b1`, flops: { model: big, size: s, batch: 1 }, cores: 1 });
}
for (const s of sizes) {
  rows.push({ group: 'pool', name: `${big} AA-CLIP detect, ${s} px, batch ${poolBatch}, pool of ${workers}`, script: 'pool-forward.mjs', argv: ['--file', modelFile, '--size', String(s), '--batch', String(poolBatch), '--workers', String(workers)], key: `forward/${big}/${s}/b${poolBatch}`, flops: { model: big, size: s, batch: poolBatch }, cores: workers, needsModel: true });
}
if (quick) {
  rows.push({ group: 'train', name: 'ViT-B-16 (4 blocks) stage-2 step, 224 px, batch 2', script: 'train-step.mjs', argv: ['--model', 'ViT-B-16', '--layers', '4', '--size', '224', '--batch', '2', '--steps', '2'], key: 'train-step/ViT-B-16/l4/224/b2', cores: 1 });
} else {
  // the batch split across this thread and one worker (createTrainingPool): one image each
  rows.push({ group: 'train', name: 'ViT-L-14-336 stage-2 step, 518 px, batch 2, 2 threads', script: 'train-step.mjs', argv: ['--model', 'ViT-L-14-336', '--size', '518', '--batch', '2', '--steps', '1', '--workers', '1'], key: 'train-step/ViT-L-14-336/518/b2', cores: 2 });
  rows.push({ group: 'train', name: 'ViT-L-14-336 (4 blocks) stage-2 step, 224 px, batch 1', script: 'train-step.mjs', argv: ['--model', 'ViT-L-14-336', '--layers', '4', '--size', '224', '--batch', '1', '--steps', '2'], key: 'train-step/ViT-L-14-336/l4/224/b1', cores: 1 });
}
rows.push({ group: 'anchors', name: `${big} text anchors, one class (16 sentences)`, script: 'text-anchors.mjs', argv: ['--model', big, '--repeat', '3'], key: `text-anchors/${big}/16`, cores: 1 });
const metricImages = quick ? 16 : 167;
const metricSize = quick ? 224 : 518;
rows.push({ group: 'metrics', name: `metrics of one class, ${metricImages} images, ${metricSize} px`, script: 'metrics.mjs', argv: ['--images', String(metricImages), '--size', String(metricSize)], key: `metrics/${metricImages}/${metricSize}`, cores: 1 });
rows.push({ group: 'demo', name: `demo model detect, 128 px (1 thread | pool of ${workers})`, script: 'demo-throughput.mjs', argv: ['--images', quick ? '32' : '64', '--workers', String(workers)], key: 'demo/128', cores: workers });
if (only?.has('vision')) {
  for (const s of sizes) rows.push({ group: 'vision', name: `${big} vision tower, ${s} px, batch 1`, script: 'vision-forward.mjs', argv: ['--model', big, '--size', String(s), '--repeat', '2', '--backend', 'wasm'], key: null, cores: 1 });
}
const selected = rows.filter((r) => !only || only.has(r.group));

// --- PyTorch references -------------------------------------------------------------------
function loadPytorch() {
  let file = args.pytorch;
  if (!file) {
    const dir = join(here, 'results');
    const prefix = quick ? 'pytorch-quick-' : 'pytorch-';
    const list = (() => {
      try {
        return readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json') && (quick || !f.startsWith('pytorch-quick-'))).sort();
      } catch {
        return [];
      }
    })();
    if (list.length) file = join(dir, list[list.length - 1]);
  }
  const refs = new Map();
  if (file) {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    for (const r of doc.results ?? []) if (r.key && !r.error) refs.set(r.key, r);
  }
  if (!quick) {
    for (const [s, v] of [[336, 8.1], [518, 21.2]]) {
      const k = `forward/ViT-L-14-336/${s}/b1`;
      if (!refs.has(k)) refs.set(k, { secondsPerImage: v, seconds: v, source: 'issue #6' });
    }
  }
  return { file: file ?? null, refs };
}
const pytorch = loadPytorch();

// --- running ------------------------------------------------------------------------------
function runNode(script, argv) {
  const p = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=16000', join(here, script), ...argv], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const lines = (p.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  if (p.status === 0 && lines.length) return JSON.parse(lines[lines.length - 1]);
  const err = (p.stderr ?? '').split('\n').filter((l) => l.trim() && !/^=+$|Hi, looks like you are running TensorFlow.js/.test(l));
  const aborted = err.some((l) => /Aborted\(\)|Out of memory|Cannot enlarge memory|RangeError: .*Memory/i.test(l));
  return { error: aborted ? 'wasm heap exhausted (a wasm32 instance is limited to 4 GiB)' : `exit ${p.status ?? p.signal}: ${err.slice(-3).join(' | ').slice(0, 300)}` };
}

if (selected.some((r) => r.needsModel)) {
  process.stderr.write(`making ${modelFile} (random ${big} weights, once)...\n`);
  const p = spawnSync(process.execPath, ['--max-old-space-size=16000', join(here, 'make-bench-model.mjs'), '--model', big, '--out', modelFile], { stdio: 'inherit' });
  if (p.status !== 0) throw new Error('make-bench-model.mjs failed');
}

const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v.toFixed(d));
// The issue's reference: the official AA-CLIP code, PyTorch 1.13, 2 threads, s per image (batch 1).
// bench/pytorch/aaclip_bench.py is a leaner PyTorch equivalent (nn.MultiheadAttention), faster than that.
const OFFICIAL = quick ? {} : { 336: 8.1, 518: 21.2 };
const header = `${'case'.padEnd(58)} ${'value'.padStart(16)} ${'GFLOP/s'.padStart(8)} ${'of peak'.padStart(8)} ${'peak RSS'.padStart(10)}  ${'PyTorch'.padStart(14)} ${'ratio'.padStart(7)} ${'official'.padStart(9)} ${'ratio'.padStart(7)}`;
console.log(header);
console.log('-'.repeat(header.length));
const results = [];
for (const row of selected) {
  const t0 = performance.now();
  const r = runNode(row.script, row.argv);
  const wall = (performance.now() - t0) / 1000;
  const ref = row.key ? pytorch.refs.get(row.key) : undefined;
  const out = { row: row.name, group: row.group, key: row.key, script: `node bench/${row.script} ${row.argv.join(' ')}`, wallSeconds: wall, ...r };
  let value = '-';
  let gfs;
  let refText = '-';
  let ratio;
  let official;
  if (r.error) value = 'FAILED';
  else if (row.group === 'forward' || row.group === 'pool' || row.group === 'vision') {
    const spi = r.secondsPerImage;
    value = `${fmt(spi)} s/img`;
    if (row.flops) {
      const cfg = presetConfig(row.flops.model);
      gfs = (row.flops.batch * aaclipFlops(cfg, row.flops.size)) / 1e9 / (spi * row.flops.batch);
    } else gfs = r.gflopsPerSecond;
    if (ref) {
      refText = `${fmt(ref.secondsPerImage)} s/img`;
      ratio = spi / ref.secondsPerImage;
    }
    const o = row.flops ? OFFICIAL[row.flops.size] : undefined;
    if (o) official = { secondsPerImage: o, ratio: spi / o };
  } else if (row.group === 'train') {
    value = `${fmt(r.seconds)} s/step`;
    gfs = r.gflopsPerSecond;
    if (ref) {
      refText = `${fmt(ref.seconds)} s/step`;
      ratio = r.seconds / ref.seconds;
    }
  } else if (row.group === 'anchors' || row.group === 'metrics') {
    value = `${fmt(r.seconds)} s`;
    if (ref) {
      refText = `${fmt(ref.seconds)} s`;
      ratio = r.seconds / ref.seconds;
    }
  } else if (row.group === 'demo') {
    value = `${fmt(r.singleImagesPerSecond, 1)} | ${fmt(r.poolImagesPerSecond, 1)} img/s`;
    if (ref) {
      refText = `${fmt(ref.imagesPerSecond, 1)} img/s`;
      ratio = ref.imagesPerSecond / r.poolImagesPerSecond; // time ratio, pool vs PyTorch
    }
  }
  const ofPeak = gfs ? gfs / (WASM_PEAK * row.cores) : undefined;
  out.modelGflopsPerSecond = gfs;
  out.fractionOfWasmPeak = ofPeak;
  out.pytorch = ref ?? null;
  out.ratioToPytorch = ratio ?? null;
  out.official = official ?? null;
  results.push(out);
  console.log(
    `${row.name.padEnd(58)} ${value.padStart(16)} ${fmt(gfs, 1).padStart(8)} ${(ofPeak ? `${(ofPeak * 100).toFixed(0)}%` : '-').padStart(8)} ${(r.peakRssMiB ? `${r.peakRssMiB.toFixed(0)} MiB` : '-').padStart(10)}  ${refText.padStart(14)} ${(ratio ? `x${ratio.toFixed(2)}` : '-').padStart(7)} ${(official ? `${fmt(official.secondsPerImage, 1)} s` : '-').padStart(9)} ${(official ? `x${official.ratio.toFixed(2)}` : '-').padStart(7)}` +
      (r.error ? `  ${r.error}` : ''),
  );
}
console.log(`ratio = our time / PyTorch time (lower is better); PyTorch: ${pytorch.file ?? 'none saved'}${!quick ? ' (forward b1 falls back to the issue figures)' : ''}`);
console.log(`of peak = model FLOPs / time / (${WASM_PEAK} GFLOP/s x cores used)`);
if (!quick) console.log('official = the issue\'s figures for the official AA-CLIP code (PyTorch 1.13, 2 threads, per image); the targets are set against them');
if (args['no-save'] !== 'true') {
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadAverage: os.loadavg(), pytorchFile: pytorch.file, results }, null, 2));
  console.log(`wrote ${file}`);
}

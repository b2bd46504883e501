// Issue 19 (b): the AA-CLIP stage-2 training step (518 px, batch 2) side by side in ONE run:
// the own GEMM engine (all cores), XNNPACK (tfjs-wasm, one thread) and PyTorch (bench/pytorch,
// OpenBLAS), each in a process of its own, alternating, `--rounds` times; best step of each.
// Lines go to bench/results/<timestamp>-train.jsonl, with the load average before and after.
//
//   node bench/train-suite.mjs [--layers 4] [--size 518] [--batch 2] [--steps 2] [--rounds 2] [--skip-pytorch]
// --layers N: N vision blocks of ViT-L-14-336's width (a proxy: the step's time is ~linear in
// the blocks); without it, the full 24 blocks.
// (PyTorch: Debian's python3-torch with libopenblas0-pthread, run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const major = Number(process.versions.node.split('.')[0]);
const nodeFlags = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '-');
mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', `${stamp}-train.jsonl`);
const cores = os.availableParallelism();
const size = String(args.size ?? 518);
const batch = String(args.batch ?? 2);
const steps = String(args.steps ?? 2);
const rounds = Number(args.rounds ?? 2);
const layers = args.layers ? ['--layers', String(args.layers)] : [];
const model = ['--model', args.model ?? 'ViT-L-14-336'];

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const record = (o) => {
  const line = JSON.stringify(o);
  console.log(line);
  appendFileSync(out, line + '\n');
};
record({ case: 'machine', node: process.version, cpu: os.cpus()[0]?.model, cores, loadavg: load(), uptime: execFileSync('uptime').toString().trim() });

function run(cmd, argv, env, engine) {
  const t = performance.now();
  const c0 = load();
  const r = spawnSync(cmd, argv, { cwd: join(here, '..'), env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
  if (r.status !== 0) record({ case: 'failed', engine, status: r.status, stderr: (r.stderr ?? '').slice(-2000) });
  return lines.map((l) => {
    const o = { ...JSON.parse(l), engine, loadBefore: c0, loadAfter: load(), wallSeconds: (performance.now() - t) / 1000 };
    record(o);
    return o;
  });
}

const pyEnv = { ...process.env };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;
const python = args.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const results = [];
for (let round = 0; round < rounds; round++) {
  for (const gemm of ['own', 'xnnpack']) {
    const argv = [...nodeFlags, '--expose-gc', join(here, 'train-step.mjs'), ...model, ...layers, '--size', size, '--batch', batch, '--steps', steps];
    results.push(...run(process.execPath, argv, { ...process.env, AACLIP_GEMM: gemm }, gemm));
  }
  if (args['skip-pytorch'] !== 'true') {
    const argv = [join(here, 'pytorch', 'aaclip_bench.py'), 'train-step', ...model, ...layers, '--size', size, '--batch', batch, '--steps', steps, '--threads', String(cores)];
    results.push(...run(python, argv, pyEnv, 'pytorch'));
  }
}

// ---- summary: the best step of each engine, ratios to PyTorch from this run
const bestOf = {};
for (const r of results) if (Number.isFinite(r.seconds)) bestOf[r.engine] = Math.min(bestOf[r.engine] ?? Infinity, r.seconds);
const rss = {};
for (const r of results) if (r.peakRssMiB) rss[r.engine] = Math.max(rss[r.engine] ?? 0, r.peakRssMiB);
const py = bestOf.pytorch;
record({ case: 'summary', size: Number(size), batch: Number(batch), layers: args.layers ? Number(args.layers) : 24, seconds: bestOf, peakRssMiB: rss, ownToPytorch: py ? bestOf.own / py : null, xnnpackToPytorch: py ? bestOf.xnnpack / py : null });
record({ case: 'machine at the end', loadavg: load() });
console.log(`\nwritten to ${out}`);

// Issue 19's side-by-side run, in ONE run so that the ratios are comparable: the GEMM
// micro-benchmark (peak loop; XNNPACK vs the own engine on 1 and all threads), then the
// ViT-L-14-336 AA-CLIP forward (336 and 518 px at batch 1, 336 px at batch 8) with the own GEMM
// (all cores), with XNNPACK (tfjs-wasm, one thread) and with PyTorch (bench/pytorch, OpenBLAS).
// Every case runs in a process of its own; lines go to bench/results/<timestamp>-gemm.jsonl.
//
//   node bench/gemm-suite.mjs [--quick] [--batch8 false] [--skip-pytorch] [--python /usr/bin/python3]
// (PyTorch: Debian's python3-torch with libopenblas0-pthread, run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE)
//
// On Node 20 the children get --experimental-wasm-relaxed-simd (on by default from Node 22).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const quick = args.quick === 'true';
const major = Number(process.versions.node.split('.')[0]);
const nodeFlags = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '-');
mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', `${stamp}-gemm.jsonl`);
const cores = os.availableParallelism();

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const record = (o) => {
  const line = JSON.stringify(o);
  console.log(line);
  appendFileSync(out, line + '\n');
};
record({ case: 'machine', node: process.version, cpu: os.cpus()[0]?.model, cores, loadavg: load(), uptime: execFileSync('uptime').toString().trim() });

function run(cmd, argv, env, tag) {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd: join(here, '..'), env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
  if (r.status !== 0) record({ case: 'failed', tag, status: r.status, stderr: (r.stderr ?? '').slice(-2000) });
  for (const l of lines) record({ ...JSON.parse(l), tag, loadavg: load(), wallSeconds: (performance.now() - t) / 1000 });
  return lines.map((l) => JSON.parse(l));
}

// ---- GEMM micro-benchmark
run(process.execPath, [...nodeFlags, join(here, 'gemm.mjs'), '--threads', `1,${cores}`, '--repeat', quick ? '2' : '8'], {}, 'gemm');

// ---- forward: own (all cores), XNNPACK, PyTorch
const model = quick ? ['--model', 'ViT-B-16'] : ['--model', 'ViT-L-14-336'];
const cases = quick ? [['224', '1', '1']] : [['336,518', '1', '2'], ...(args.batch8 === 'false' ? [] : [['336', '8', '1']])];
const results = [];
for (const [sizes, batch, repeat] of cases) {
  for (const gemm of ['own', 'xnnpack']) {
    const rows = run(process.execPath, [...nodeFlags, '--expose-gc', join(here, 'vision-forward.mjs'), ...model, '--size', sizes, '--batch', batch, '--repeat', repeat, '--aaclip'], { AACLIP_GEMM: gemm }, `forward ${gemm}`);
    results.push(...rows.map((r) => ({ ...r, engine: gemm })));
  }
  if (args['skip-pytorch'] !== 'true') {
    for (const size of sizes.split(',')) {
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      const py = spawnSync(args.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'), [join(here, 'pytorch', 'aaclip_bench.py'), 'forward', ...model, '--size', size, '--batch', batch, '--repeat', repeat, '--threads', String(cores)], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
      const lines = (py.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
      if (py.status !== 0) record({ case: 'failed', tag: 'pytorch', status: py.status, stderr: (py.stderr ?? '').slice(-2000) });
      for (const l of lines) {
        const r = { ...JSON.parse(l), engine: 'pytorch', tag: 'forward pytorch', loadavg: load() };
        record(r);
        results.push(r);
      }
    }
  }
}

// ---- summary: seconds per image, ratio to PyTorch
const key = (r) => `${r.size} px, batch ${r.batch}`;
const table = {};
for (const r of results) (table[key(r)] ??= {})[r.engine] = r.secondsPerImage;
console.log('\ncase                    own (s/img)  xnnpack (s/img)  pytorch (s/img)  own/pytorch  xnnpack/pytorch');
for (const [k, v] of Object.entries(table)) {
  const f = (x) => (x === undefined ? '-' : x.toFixed(2)).padStart(15);
  const ratio = (x) => (x === undefined || v.pytorch === undefined ? '-' : (x / v.pytorch).toFixed(2)).padStart(12);
  console.log(`${k.padEnd(22)}${f(v.own)}${f(v.xnnpack)}${f(v.pytorch)}${ratio(v.own)}${ratio(v.xnnpack)}`);
  record({ case: 'summary', key: k, ...v, ownToPytorch: v.own && v.pytorch ? v.own / v.pytorch : null, xnnpackToPytorch: v.xnnpack && v.pytorch ? v.xnnpack / v.pytorch : null });
}
record({ case: 'machine at the end', loadavg: load() });
console.log(`\nwritten to ${out}`);

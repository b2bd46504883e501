// npm run bench: prints a table and writes bench/results/<timestamp>.json.
// Each case runs in its own Node process so that peak RSS is measured per case.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const cases = quick
  ? [['--model', 'ViT-B-16', '--size', '224', '--backend', 'wasm']]
  : [
      ['--model', 'ViT-L-14-336', '--size', '336', '--repeat', '2', '--backend', 'wasm'],
      ['--model', 'ViT-L-14-336', '--size', '518', '--repeat', '2', '--backend', 'wasm'],
      ['--model', 'ViT-L-14-336', '--size', '336', '--repeat', '2', '--backend', 'wasm', '--aaclip'],
      ['--model', 'ViT-L-14-336', '--size', '518', '--repeat', '2', '--backend', 'wasm', '--aaclip'],
    ];
const pytorch = { 336: 8.1, 518: 21.2 }; // official AA-CLIP forward, PyTorch 1.13 CPU, 2 threads, this machine
const results = [];
for (const c of cases) {
  const line = execFileSync(process.execPath, ['--max-old-space-size=16000', join(here, 'vision-forward.mjs'), ...c], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop();
  const r = JSON.parse(line);
  results.push(r);
  const ref = pytorch[r.size];
  console.log(
    `${r.case.padEnd(34)} ${String(r.size).padStart(4)} px  batch ${r.batch}  ${r.secondsPerImage.toFixed(2).padStart(7)} s/img  ${r.gflopsPerSecond.toFixed(1).padStart(5)} GFLOP/s  peak RSS ${r.peakRssMiB.toFixed(0).padStart(6)} MiB` +
      (ref && r.case.includes('AA-CLIP') ? `  (PyTorch ${ref} s: x${(r.secondsPerImage / ref).toFixed(2)})` : ''),
  );
}
mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }, null, 2));
console.log(`wrote ${file}`);

// The parity check on whatever backend `--backend` names, from a fixture folder's bytes and its
// two PNGs pre-decoded to raw samples (preprocess.json, written by prepare.mjs), so that it
// needs no image decoder: the GPU bundle carries no sharp.
//   node bench/gpu/parity-bytes.mjs --fixture DIR --backend webgpu
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeParityFromBytes, formatParityTable } from '@aaclip/core/parity';
import { ensureGradients, useBackend, formatBackendReport } from '@aaclip/backend-node';
import { emit, parseArgs } from '../lib.mjs';

const args = parseArgs();
const dir = args.fixture;
if (!dir) throw new Error('parity-bytes: --fixture DIR is required');
const report = await useBackend(args.backend ?? 'wasm');
console.error(formatBackendReport(report));
await ensureGradients(); // the stage-1/2 gradient outputs
const file = (name) => new Uint8Array(readFileSync(join(dir, name)));
const pp = join(dir, 'preprocess.json');
const preprocess = existsSync(pp)
  ? Object.fromEntries(Object.entries(JSON.parse(readFileSync(pp, 'utf8'))).map(([k, v]) => [k, { ...v, data: Uint8Array.from(Buffer.from(v.data, 'base64')) }]))
  : undefined;
const t0 = performance.now();
const res = await computeParityFromBytes({
  expectedJson: file('expected.json'),
  inputs: file('inputs.safetensors'),
  expected: file('expected.safetensors'),
  weights: file('clip-openai.safetensors'),
  adapters: [file('adapters.safetensors')],
  vocabGz: file(args.vocab ?? 'bpe_simple_vocab_16e6.txt.gz'),
  preprocess,
});
const seconds = (performance.now() - t0) / 1000;
console.error(formatParityTable(res.rows));
const worst = res.rows.reduce((w, r) => (r.maxAbsDiff / r.tolerance > (w ? w.maxAbsDiff / w.tolerance : -1) ? r : w), null);
emit({
  case: 'parity',
  backend: report.active,
  ...(report.adapter ? { adapter: report.adapter } : {}),
  passed: res.rows.filter((r) => r.ok).length,
  total: res.rows.length,
  failed: res.rows.filter((r) => !r.ok).map((r) => ({ name: r.name, maxAbsDiff: r.maxAbsDiff, tolerance: r.tolerance })),
  worst: worst && { name: worst.name, share: worst.maxAbsDiff / worst.tolerance },
  seconds,
});

// Compares computed parity outputs with the fixture's reference values, at the fixture
// README's tolerances.
import { toInt32, type NamedTensor, type TensorMap } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';
import type { ParityExpectedJson, ParityRow } from './parity-types';

/** Tolerance of the `metrics.*` outputs (float64 on both sides). */
export const PARITY_METRICS_TOLERANCE = 1e-9;

/**
 * expected.json metrics with nested keys joined by dots:
 * 'official_metrics_eval_industrial.pixel AUC'.
 */
export function flattenParityMetrics(obj: Record<string, unknown>, prefix = '', out = new Map<string, number>()): Map<string, number> {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') flattenParityMetrics(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else if (typeof v === 'number') out.set(`${prefix}${k}`, v);
  }
  return out;
}

/**
 * The README's tolerance of a float output: `max(20 * noise_floor, 1e-6 * max(1, max|expected|))`
 * (at least 1e-5 for `preprocess.image`, where one 8-bit level would be ~0.015).
 */
export function parityTolerance(name: string, expected: NamedTensor, noiseFloor: Readonly<Record<string, number>>): number {
  let maxE = 0;
  for (const v of expected.data) maxE = Math.max(maxE, Math.abs(Number(v)));
  const tol = Math.max(20 * (noiseFloor[name] ?? 0), 1e-6 * Math.max(1, maxE));
  return name.startsWith('preprocess.image') ? Math.max(tol, 1e-5) : tol;
}

/** `*.adam1.*` are compared only where the reference gradient is not tiny (|g| > 1e-3 max|g|). */
function adamMask(name: string, expected: TensorMap): ((i: number) => boolean) | null {
  const adam = name.match(/^(stage[12])\.adam1\.(.+)$/);
  const g = adam ? expected.get(`${adam[1]}.grad.${adam[2]}`) : undefined;
  if (!g) return null;
  const data = g.data as Float64Array;
  let gmax = 0;
  for (const v of data) gmax = Math.max(gmax, Math.abs(v));
  return (i) => Math.abs(data[i]!) > 1e-3 * gmax;
}

function compareTensor(name: string, out: WritableTensor, ref: NamedTensor, expected: TensorMap, ej: ParityExpectedJson): ParityRow {
  const e = ref.data;
  const o = out.data;
  const shapeOk = ref.shape.length === out.shape.length && ref.shape.every((d, i) => d === out.shape[i]);
  if (!shapeOk || e.length !== o.length) return { name, maxAbsDiff: Infinity, tolerance: 0, ok: false, note: `shape [${out.shape}] vs expected [${ref.shape}]` };
  const tol = parityTolerance(name, ref, ej.noise_floor);
  const mask = adamMask(name, expected);
  let note: string | undefined = name.startsWith('preprocess.image') ? 'one 8-bit level would be ~0.015' : undefined;
  if (mask) note = 'where |grad| > 1e-3 max|grad|';
  let diff = 0;
  for (let i = 0; i < e.length; i++) {
    if (mask && !mask(i)) continue;
    const d = Math.abs(Number(e[i]) - Number(o[i]));
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
  }
  return { name, maxAbsDiff: diff, tolerance: tol, ok: diff <= tol, note };
}

/**
 * One row per computed output that has a reference: `tokens` against inputs.tokens (exact),
 * `metrics.*` against expected.json (1e-9), everything else against expected.safetensors.
 * NaN counts as an infinite difference.
 */
export function compareParity(outputs: ReadonlyMap<string, WritableTensor>, expected: TensorMap, ej: ParityExpectedJson, inputs: TensorMap): ParityRow[] {
  const rows: ParityRow[] = [];
  const metrics = flattenParityMetrics(ej.metrics);
  for (const [name, out] of outputs) {
    if (name === 'tokens') {
      const t = inputs.get('tokens');
      if (!t) continue;
      const ref = toInt32(t, 'inputs.tokens');
      let diff = 0;
      if (ref.length !== out.data.length) diff = Infinity;
      else for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i]! - Number(out.data[i])));
      rows.push({ name, maxAbsDiff: diff, tolerance: 0, ok: diff === 0, note: 'vs inputs.tokens' });
      continue;
    }
    if (name.startsWith('metrics.')) {
      const ref = metrics.get(name.slice('metrics.'.length));
      if (typeof ref !== 'number') continue;
      let d = Math.abs(ref - Number(out.data[0]));
      if (Number.isNaN(d)) d = Infinity;
      rows.push({ name, maxAbsDiff: d, tolerance: PARITY_METRICS_TOLERANCE, ok: d <= PARITY_METRICS_TOLERANCE });
      continue;
    }
    const ref = expected.get(name);
    if (ref) rows.push(compareTensor(name, out, ref, expected, ej));
  }
  return rows;
}

/** A fixed-width table of the rows. */
export function formatParityTable(rows: readonly ParityRow[]): string {
  const w = Math.max(6, ...rows.map((r) => r.name.length));
  const lines = [`${'output'.padEnd(w)}  ${'max abs diff'.padStart(12)}  ${'tolerance'.padStart(10)}  ok`];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(w)}  ${r.maxAbsDiff.toExponential(3).padStart(12)}  ${r.tolerance.toExponential(2).padStart(10)}  ${r.ok ? 'ok' : 'FAIL'}${r.note ? `  (${r.note})` : ''}`);
  }
  return lines.join('\n');
}

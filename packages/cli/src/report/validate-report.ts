import { METRIC_COLUMNS, type EvaluationReportData, type ReportCase, type ReportMetrics } from './report-types';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const fail = (path: string, what: string, got: unknown): never => {
  throw new TypeError(`report data: ${path} must be ${what}, got ${show(got)}`);
};

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  return typeof v;
}

function str(v: unknown, path: string, nonEmpty = true): void {
  if (typeof v !== 'string' || (nonEmpty && v.length === 0)) fail(path, nonEmpty ? 'a non-empty string' : 'a string', v);
}

function obj(v: unknown, path: string): asserts v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
}

function count(v: unknown, path: string): void {
  if (!Number.isInteger(v) || (v as number) < 0) fail(path, 'a non-negative integer', v);
}

function metric(v: unknown, path: string, optional: boolean): void {
  if (v === undefined && optional) return;
  if (typeof v !== 'number') fail(path, 'a number (NaN when unavailable)', v);
  const x = v as number;
  if (Number.isNaN(x)) return;
  if (!(x >= 0 && x <= 1)) {
    throw new RangeError(`report data: ${path} must be a fraction in [0, 1] (or NaN), got ${x}${x > 1 && x <= 100 ? ' (divide percentages by 100)' : ''}`);
  }
}

function metrics(v: unknown, path: string): asserts v is ReportMetrics {
  obj(v, path);
  for (const c of METRIC_COLUMNS) metric(v[c.key], `${path}.${c.key}`, c.optional);
}

function cases(v: unknown, path: string): asserts v is ReportCase[] {
  if (!Array.isArray(v)) fail(path, 'an array of cases', v);
  (v as unknown[]).forEach((c, i) => {
    const p = `${path}[${i}]`;
    obj(c, p);
    str(c.imagePath, `${p}.imagePath`);
    if (typeof c.score !== 'number' || !Number.isFinite(c.score)) fail(`${p}.score`, 'a finite number', c.score);
    if (c.label !== 0 && c.label !== 1) fail(`${p}.label`, '0 (normal) or 1 (anomalous)', c.label);
    const png = c.overlayPng;
    if (!(png instanceof Uint8Array) || png.length < 8 || PNG_SIGNATURE.some((b, k) => png[k] !== b)) {
      fail(`${p}.overlayPng`, 'PNG bytes (a Uint8Array starting with the PNG signature)', png);
    }
  });
}

function scores(v: unknown, path: string): void {
  if (!Array.isArray(v)) fail(path, 'an array of numbers', v);
  (v as unknown[]).forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${path}[${i}]`, 'a finite number', x);
  });
}

/**
 * Checks an {@link EvaluationReportData} before anything is written; errors name the offending
 * key path (e.g. `classes[2].worst[0].overlayPng`) and its value.
 *
 * @example
 * validateReportData(data); // throws TypeError / RangeError on bad input
 */
export function validateReportData(data: unknown): asserts data is EvaluationReportData {
  obj(data, 'data');
  str(data.title, 'title');
  str(data.createdAt, 'createdAt');
  obj(data.model, 'model');
  for (const [k, v] of Object.entries(data.model)) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) fail(`model.${k}`, 'a string or a finite number', v);
  }
  obj(data.dataset, 'dataset');
  str(data.dataset.root, 'dataset.root');
  str(data.dataset.format, 'dataset.format');
  if (!Array.isArray(data.classes) || data.classes.length === 0) fail('classes', 'a non-empty array', data.classes);
  const seen = new Set<string>();
  (data.classes as unknown[]).forEach((c, i) => {
    const p = `classes[${i}]`;
    obj(c, p);
    str(c.className, `${p}.className`);
    if (seen.has(c.className as string)) throw new Error(`report data: ${p}.className ${JSON.stringify(c.className)} appears twice`);
    seen.add(c.className as string);
    str(c.domain, `${p}.domain`);
    metrics(c.metrics, `${p}.metrics`);
    obj(c.counts, `${p}.counts`);
    count(c.counts.normal, `${p}.counts.normal`);
    count(c.counts.anomalous, `${p}.counts.anomalous`);
    cases(c.best, `${p}.best`);
    cases(c.worst, `${p}.worst`);
    obj(c.histogram, `${p}.histogram`);
    scores(c.histogram.normal, `${p}.histogram.normal`);
    scores(c.histogram.anomalous, `${p}.histogram.anomalous`);
  });
  metrics(data.average, 'average');
  obj(data.runtime, 'runtime');
  const s = data.runtime.seconds;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) fail('runtime.seconds', 'a non-negative number', s);
  str(data.runtime.backend, 'runtime.backend');
  if (data.notes !== undefined) {
    if (!Array.isArray(data.notes)) fail('notes', 'an array of strings', data.notes);
    (data.notes as unknown[]).forEach((n, i) => str(n, `notes[${i}]`));
  }
}

import { pythonRound } from '@aaclip/core/metrics';
import { METRIC_COLUMNS, type ReportMetrics } from './report-types';

/** One row of the results table: a class (or any label) and its metrics. */
export interface MetricTableRow {
  name: string;
  metrics: ReportMetrics;
}

/**
 * A metric fraction as a percentage with one decimal, rounded like Python's `round(x * 100, 1)`
 * (ties to even); '-' for NaN, null or a missing value.
 *
 * @example
 * formatPercent(0.98123); // '98.1'
 * formatPercent(Number.NaN); // '-'
 */
export function formatPercent(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
  return pythonRound(v * 100, 1).toFixed(1);
}

/** Metric columns to show: the five main ones, plus F1-max columns when any row has them. */
export function metricColumns(rows: readonly ReportMetrics[]): typeof METRIC_COLUMNS {
  return METRIC_COLUMNS.filter((c) => !c.optional || rows.some((m) => m[c.key] !== undefined));
}

function tableCells(rows: readonly MetricTableRow[], average: ReportMetrics | undefined): { header: string[]; body: string[][] } {
  if (!Array.isArray(rows)) throw new TypeError(`metric table: rows must be an array, got ${typeof rows}`);
  const all = [...rows.map((r) => r.metrics), ...(average ? [average] : [])];
  const cols = metricColumns(all);
  const header = ['Class', ...cols.map((c) => c.title)];
  const line = (name: string, m: ReportMetrics): string[] => [name, ...cols.map((c) => formatPercent(m[c.key]))];
  const body = rows.map((r) => line(r.name, r.metrics));
  if (average) body.push(line('Average', average));
  return { header, body };
}

/**
 * Fixed-width text table for the terminal, laid out like the paper's results table: one row per
 * class with pixel AUROC, pixel AP, image AUROC, image AP, AUPRO (and F1-max when present) in
 * percent with one decimal, then a rule and the 'Average' row when `average` is given.
 *
 * @example
 * console.log(formatMetricTable([{ name: 'bottle', metrics }], average));
 * // Class   Pixel AUROC  Pixel AP  Image AUROC  Image AP  AUPRO
 * // bottle         98.1      73.2         99.9      99.9   91.5
 * // ...
 */
export function formatMetricTable(rows: readonly MetricTableRow[], average?: ReportMetrics): string {
  const { header, body } = tableCells(rows, average);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const lines = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  body.forEach((r, i) => {
    if (average && i === body.length - 1) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(fmt(r));
  });
  return lines.join('\n');
}

/**
 * Escapes text for Markdown: HTML (`<`, `>`, `&`, as entities, so that a class name such as
 * `<img src=x onerror=...>` shows as text and never becomes markup), backslashes and line breaks.
 */
export function markdownText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\\/g, '\\\\').replace(/\r?\n/g, ' ');
}

/** Escapes a Markdown table cell: {@link markdownText}, plus pipes. */
export function markdownCell(s: string): string {
  return markdownText(s).replace(/\|/g, '\\|');
}

/**
 * The same table as GitHub-flavoured Markdown (numbers right-aligned, 'Average' as last row).
 *
 * @example
 * markdownMetricTable([{ name: 'bottle', metrics }], average);
 * // | Class | Pixel AUROC | ... |
 * // | --- | ---: | ... |
 */
export function markdownMetricTable(rows: readonly MetricTableRow[], average?: ReportMetrics): string {
  const { header, body } = tableCells(rows, average);
  const row = (cells: string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [row(header), `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...body.map(row)].join('\n');
}

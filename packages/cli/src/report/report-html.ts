import { escapeXml, histogramSvg } from '@aaclip/render';
import { formatDuration, formatScore, labelName } from './format';
import { formatPercent, metricColumns } from './metric-table';
import type { ClassReport, EvaluationReportData, ReportCase, ReportMetrics } from './report-types';

const esc = escapeXml;

const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; --normal: rgb(31,119,180); --anomalous: rgb(214,39,40); }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 10px; }
.meta { color: var(--muted); margin: 0 0 8px; }
.meta code, .setup code { background: var(--bg-alt); padding: 1px 5px; border-radius: 4px; font-size: 13px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--bg-alt); font-weight: 600; }
tr.average td { font-weight: 700; border-top: 2px solid var(--fg); }
.results a { color: inherit; }
.settings th, .settings td { text-align: left; }
.settings td { white-space: normal; word-break: break-all; }
nav.toc { margin: 10px 0; color: var(--muted); }
nav.toc a { margin-right: 10px; }
.domain { font-size: 13px; font-weight: 400; color: var(--muted); background: var(--bg-alt); border: 1px solid var(--line); border-radius: 10px; padding: 1px 8px; margin-left: 8px; vertical-align: middle; }
.class-top { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
.class-top table { margin-top: 6px; }
figure { margin: 0; }
.hist svg { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 14px; }
.case { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: #fff; }
.case img { display: block; width: 100%; height: auto; background: var(--bg-alt); }
.case figcaption { padding: 6px 8px; font-size: 13px; }
.case .path { display: block; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tag { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; margin-right: 6px; }
.tag.normal { background: var(--normal); }
.tag.anomalous { background: var(--anomalous); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
`;

function metricsTable(rows: Array<{ name: string; metrics: ReportMetrics; href?: string; average?: boolean }>): string {
  const cols = metricColumns(rows.map((r) => r.metrics));
  const head = `<thead><tr><th>Class</th>${cols.map((c) => `<th>${esc(c.title)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map((r) => {
      const name = r.href ? `<a href="${esc(r.href)}">${esc(r.name)}</a>` : esc(r.name);
      const cells = cols.map((c) => `<td>${formatPercent(r.metrics[c.key])}</td>`).join('');
      return `<tr${r.average ? ' class="average"' : ''}><td>${name}</td>${cells}</tr>`;
    })
    .join('\n');
  return `<table>${head}<tbody>\n${body}\n</tbody></table>`;
}

/** One class's metrics as a two-column (metric, %) table. */
function classMetricsTable(m: ReportMetrics): string {
  const rows = metricColumns([m])
    .map((c) => `<tr><td>${esc(c.title)}</td><td>${formatPercent(m[c.key])}</td></tr>`)
    .join('\n');
  return `<table class="class-metrics"><thead><tr><th>Metric</th><th>%</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function caseFigure(c: ReportCase): string {
  const label = labelName(c.label);
  const name = c.imagePath.split(/[\\/]/).slice(-3).join('/');
  const src = `data:image/png;base64,${Buffer.from(c.overlayPng.buffer, c.overlayPng.byteOffset, c.overlayPng.byteLength).toString('base64')}`;
  return (
    `<figure class="case"><img src="${src}" alt="${esc(`${label} image ${name}, score ${formatScore(c.score)}`)}">` +
    `<figcaption><span class="tag ${label}">${label}</span>score <b>${formatScore(c.score)}</b>` +
    `<span class="path" title="${esc(c.imagePath)}">${esc(name)}</span></figcaption></figure>`
  );
}

function caseGrid(title: string, cases: ReportCase[]): string {
  const body = cases.length > 0 ? `<div class="grid">\n${cases.map(caseFigure).join('\n')}\n</div>` : '<p class="empty">No cases.</p>';
  return `<h3>${esc(title)}</h3>\n${body}`;
}

/** Anchor id of a class section (`class-<index>-<slug>`). */
export function classAnchor(index: number, className: string): string {
  return `class-${index}-${className.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function classSection(c: ClassReport, index: number): string {
  const svg = histogramSvg(c.histogram, { bins: 30, width: 520, height: 300, title: `${c.className}: image scores` });
  return [
    `<section class="class" id="${classAnchor(index, c.className)}">`,
    `<h2>${esc(c.className)}<span class="domain">${esc(c.domain)}</span></h2>`,
    '<div class="class-top">',
    `<div>${classMetricsTable(c.metrics)}`,
    `<p class="meta">${c.counts.normal} normal, ${c.counts.anomalous} anomalous test images.</p></div>`,
    `<figure class="hist">${svg}</figure>`,
    '</div>',
    caseGrid('Worst cases', c.worst),
    caseGrid('Best cases', c.best),
    '</section>',
  ].join('\n');
}

/**
 * The report as one self-contained HTML page: results table, setup, then per class its metrics,
 * an inline SVG score histogram and grids of the worst and best cases (overlays embedded as
 * `data:image/png;base64` URIs). No scripts, fonts or external assets; a Content-Security-Policy
 * forbids any network access.
 *
 * @example
 * const html = renderReportHtml(data);
 */
export function renderReportHtml(data: EvaluationReportData): string {
  const rows = data.classes.map((c, i) => ({ name: c.className, metrics: c.metrics, href: `#${classAnchor(i, c.className)}` }));
  const model = Object.entries(data.model)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`)
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(data.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    `<header><h1>${esc(data.title)}</h1>`,
    `<p class="meta">${esc(data.createdAt)} · backend <code>${esc(data.runtime.backend)}</code> · runtime ${esc(formatDuration(data.runtime.seconds))} · dataset <code>${esc(data.dataset.root)}</code> (${esc(data.dataset.format)})</p></header>`,
    '<section class="results"><h2>Results (%)</h2>',
    metricsTable([...rows, { name: 'Average', metrics: data.average, average: true }]),
    ...(data.notes?.length ? [`<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`] : []),
    '</section>',
    '<section class="setup"><h2>Model</h2>',
    model ? `<table class="settings"><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>\n${model}\n</tbody></table>` : '<p class="empty">No settings recorded.</p>',
    '</section>',
    `<nav class="toc">Classes: ${rows.map((r) => `<a href="${esc(r.href)}">${esc(r.name)}</a>`).join(' ')}</nav>`,
    ...data.classes.map(classSection),
    `<footer>Generated ${esc(data.createdAt)} by the AA-CLIP report writer.</footer>`,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

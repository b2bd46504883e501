import { formatDuration } from './format';
import { markdownCell, markdownMetricTable, markdownText } from './metric-table';
import type { EvaluationReportData } from './report-types';

/**
 * The report as Markdown: header facts, the results table (per class, then 'Average'; percent
 * with one decimal), test-set sizes and the model settings. Images are only in report.html.
 *
 * @example
 * const md = renderReportMarkdown(data);
 */
export function renderReportMarkdown(data: EvaluationReportData): string {
  const out: string[] = [];
  out.push(`# ${markdownText(data.title)}`, '');
  out.push(`- Created: ${data.createdAt}`);
  out.push(`- Dataset: \`${data.dataset.root.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\` (${markdownText(data.dataset.format)})`);
  out.push(`- Backend: ${markdownText(data.runtime.backend)}`);
  out.push(`- Runtime: ${formatDuration(data.runtime.seconds)}`);
  out.push('', '## Results (%)', '');
  out.push(markdownMetricTable(data.classes.map((c) => ({ name: c.className, metrics: c.metrics })), data.average));
  if (data.notes?.length) out.push('', ...data.notes.map((n) => `- ${markdownText(n)}`));
  out.push('', '## Test images', '');
  out.push('| Class | Domain | Normal | Anomalous |', '| --- | --- | ---: | ---: |');
  for (const c of data.classes) {
    out.push(`| ${markdownCell(c.className)} | ${markdownCell(c.domain)} | ${c.counts.normal} | ${c.counts.anomalous} |`);
  }
  const settings = Object.entries(data.model);
  if (settings.length > 0) {
    out.push('', '## Model', '', '| Setting | Value |', '| --- | --- |');
    for (const [k, v] of settings) out.push(`| ${markdownCell(k)} | ${markdownCell(String(v))} |`);
  }
  out.push('', 'Score histograms and the best and worst cases of each class are in report.html.', '');
  return out.join('\n');
}

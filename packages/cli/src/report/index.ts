// Evaluation reports (report.json, report.md, self-contained report.html) and overlay PNGs.
export { writeEvaluationReport, REPORT_FILES } from './write-report';
export { renderReportHtml, classAnchor } from './report-html';
export { renderReportMarkdown } from './report-markdown';
export { renderReportJson, REPORT_JSON_VERSION } from './report-json';
export { formatMetricTable, markdownMetricTable, formatPercent, metricColumns } from './metric-table';
export type { MetricTableRow } from './metric-table';
export { validateReportData } from './validate-report';
export { formatDuration, formatScore } from './format';
export { METRIC_COLUMNS } from './report-types';
export type { EvaluationReportData, ClassReport, ReportCase, ReportMetrics, WriteReportOptions, WrittenReport } from './report-types';

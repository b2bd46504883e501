import type { EvaluationReportData } from './report-types';

/** Version of the report.json layout. */
export const REPORT_JSON_VERSION = 1;

/**
 * report.json text: the report data without the PNG bytes of the cases (those are embedded in
 * report.html), NaN metrics as null, plus `reportVersion`.
 *
 * @example
 * JSON.parse(renderReportJson(data)).classes[0].metrics.pixelAuroc;
 */
export function renderReportJson(data: EvaluationReportData): string {
  const stripCase = ({ imagePath, score, label }: { imagePath: string; score: number; label: 0 | 1 }) => ({ imagePath, score, label });
  const doc = {
    reportVersion: REPORT_JSON_VERSION,
    ...data,
    classes: data.classes.map((c) => ({ ...c, best: c.best.map(stripCase), worst: c.worst.map(stripCase) })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

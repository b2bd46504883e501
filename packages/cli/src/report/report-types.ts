// Data model of an evaluation report (see writeEvaluationReport).

/**
 * Metrics of one class (or their average) as fractions in [0, 1] (e.g. 0.981, shown as 98.1).
 * NaN marks a metric that could not be computed (e.g. pixel metrics of a class without anomalous
 * pixels); it is shown as '-' and stored as null in report.json.
 */
export interface ReportMetrics {
  pixelAuroc: number;
  pixelAp: number;
  imageAuroc: number;
  imageAp: number;
  aupro: number;
  f1MaxPixel?: number;
  f1MaxImage?: number;
}

/** One test image shown in the report. */
export interface ReportCase {
  /** Path of the test image (shown as the caption; the full path on hover). */
  imagePath: string;
  /** Image anomaly score. */
  score: number;
  /** Ground truth: 0 = normal, 1 = anomalous. */
  label: 0 | 1;
  /** PNG bytes of the visualisation (see makeOverlayPng); embedded in report.html only. */
  overlayPng: Uint8Array;
}

/** Results of one class. */
export interface ClassReport {
  className: string;
  /** Dataset domain, e.g. 'industrial' or 'medical'. */
  domain: string;
  metrics: ReportMetrics;
  /** Number of normal and anomalous test images. */
  counts: { normal: number; anomalous: number };
  /** Cases the model got most right (e.g. lowest-scored normal, highest-scored anomalous images). */
  best: ReportCase[];
  /** Cases the model got most wrong. */
  worst: ReportCase[];
  /** Image scores of the normal and the anomalous test images. */
  histogram: { normal: number[]; anomalous: number[] };
}

/** Everything an evaluation report shows. */
export interface EvaluationReportData {
  title: string;
  /** Creation time, ISO 8601 (e.g. `new Date().toISOString()`). */
  createdAt: string;
  /** Model settings (backbone, image size, checkpoint, ...), shown as a key/value table. */
  model: Record<string, string | number>;
  dataset: { root: string; format: string };
  classes: ClassReport[];
  /** Average over the classes (as the paper's table's last row). */
  average: ReportMetrics;
  runtime: { seconds: number; backend: string };
  /** Notes shown under the results table (e.g. which metrics are undefined for a class, and why). */
  notes?: string[];
}

/** Options of writeEvaluationReport. */
export interface WriteReportOptions {
  /** Replace an existing report in the folder (default false: refuse, naming the file). */
  force?: boolean;
}

/** Paths of the files writeEvaluationReport wrote. */
export interface WrittenReport {
  json: string;
  markdown: string;
  html: string;
}

/** The metric keys in table order, with their column titles. */
export const METRIC_COLUMNS: ReadonlyArray<{ key: keyof ReportMetrics; title: string; optional: boolean }> = [
  { key: 'pixelAuroc', title: 'Pixel AUROC', optional: false },
  { key: 'pixelAp', title: 'Pixel AP', optional: false },
  { key: 'imageAuroc', title: 'Image AUROC', optional: false },
  { key: 'imageAp', title: 'Image AP', optional: false },
  { key: 'aupro', title: 'AUPRO', optional: false },
  { key: 'f1MaxPixel', title: 'F1-max (pixel)', optional: true },
  { key: 'f1MaxImage', title: 'F1-max (image)', optional: true },
];

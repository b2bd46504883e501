/**
 * @aaclip/cli: the `aaclip` command line (detect, eval, train, calibrate, convert, index, cache,
 * demo) and `aaclip-parity`'s runner, plus the application pieces they are made of, usable from
 * code: dataset readers (MVTec AD, VisA, BTAD, MPDD, folders, JSONL manifests), the batched
 * dataset loader and the evaluation reports (JSON, Markdown, HTML). The per-class evaluation is
 * `evaluateClass` of '@aaclip/core/metrics' (give it `renderOverlay` from `makeOverlayPng` of
 * @aaclip/backend-node for the report's case images).
 * These were exported by @aaclip/backend-node until 0.1.0 (see CHANGELOG.md).
 *
 * @example
 * import { readDataset, DatasetLoader } from '@aaclip/cli';
 * const index = await readDataset('datasets/mvtec', 'mvtec');
 */
export {
  DATASET_FORMATS,
  DatasetLayoutError,
  readMvtec,
  readMpdd,
  readVisa,
  parseCsv,
  readBtad,
  readFolder,
  readManifest,
  parseManifest,
  formatManifest,
  writeManifest,
  detectDatasetFormat,
  readDataset,
  indexDataset,
  MPDD_CLASSES,
  sampleKShot,
  DatasetLoader,
  DatasetLoadError,
  ManifestError,
} from './datasets/index';
export type {
  DatasetFormat,
  DatasetIndex,
  DatasetItem,
  DatasetSplit,
  ReaderOptions,
  VisaOptions,
  FolderOptions,
  ReadManifestOptions,
  WriteManifestOptions,
  ReadDatasetOptions,
  IndexDatasetOptions,
  KShotOptions,
  DatasetBatch,
  DatasetLoaderOptions,
  LoadedSample,
  SkippedItem,
} from './datasets/index';
export {
  writeEvaluationReport,
  REPORT_FILES,
  renderReportHtml,
  renderReportMarkdown,
  renderReportJson,
  formatMetricTable,
  markdownMetricTable,
  formatPercent,
  validateReportData,
  METRIC_COLUMNS,
} from './report/index';
export type { EvaluationReportData, ClassReport, ReportCase, ReportMetrics, WriteReportOptions, WrittenReport, MetricTableRow } from './report/index';

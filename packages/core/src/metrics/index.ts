// Evaluation metrics: pure TypeScript over typed arrays (no tfjs, no Node APIs).
export { auroc, averagePrecision, f1Max, binaryMetrics, ImageMetricAccumulator } from './binary-metrics';
export type { BinaryMetrics } from './binary-metrics';
export { PixelMetricAccumulator, pixelMetrics, aupro, aupro200 } from './pixel-metric-accumulator';
export type { PixelMetrics, PixelMetricOptions } from './pixel-metric-accumulator';
export { labelComponents8 } from './connected-components';
export type { ConnectedComponents } from './connected-components';
export { pythonRound } from './python-round';
export { anomalyClipThresholds } from './curve-pass';
export { DEFAULT_MAX_EXACT_SCORES, DEFAULT_HISTOGRAM_BINS } from './score-store';
export type { ScoreStoreOptions } from './score-store';

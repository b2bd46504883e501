/**
 * @aaclip/core/metrics: image and pixel metrics (AUROC, AP, F1-max, AUPRO), equal to the reference
 * to 1e-9, and the paper's evaluation protocol (per-class normalisation, fused score,
 * `evaluateClass`).
 *
 * @example
 * import { auroc, evaluateClass } from '@aaclip/core/metrics';
 */
export { averageMetrics, detectorHead, evaluateClass } from './eval/evaluate-class';
export type { ClassEvaluation, ClassMetrics, EvalCase, EvalDetector, EvalHead, EvalSample, OverlayRenderer } from './eval/evaluate-class';
export { OfficialMetricAccumulator } from './eval/official-eval';
export type { OfficialDomain, OfficialEvalBatch, OfficialEvalOptions, OfficialMetrics } from './eval/official-eval';
export { auroc, binaryMetrics } from './metrics/binary-metrics';
export type { BinaryMetrics } from './metrics/binary-metrics';
export { aupro, PixelMetricAccumulator } from './metrics/pixel-metric-accumulator';
export type { PixelMetricOptions, PixelMetrics } from './metrics/pixel-metric-accumulator';
export { pythonRound } from './metrics/python-round';
export type { ScoreStoreOptions } from './metrics/score-store';

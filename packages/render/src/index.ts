// Visual outputs: colormaps, heatmap overlays, mask contours, score histograms.
// Pure TypeScript over typed arrays (no tfjs, no Node or DOM APIs).
export { jetColormap, jetIndex, JET_LUT } from './colormap';
export { normalizeMap } from './normalize-map';
export type { MapRange } from './normalize-map';
export { overlayHeatmap } from './overlay';
export type { OverlayOptions } from './overlay';
export { drawContour, maskBoundary } from './contour';
export { resizeMapBilinear } from './resize-map';
export type { ResizeMapOptions } from './resize-map';
export { histogramCounts, binScores, niceTicks } from './histogram-data';
export type { ScoreSets, HistogramBinOptions, ScoreHistogram } from './histogram-data';
export { renderHistogram, NORMAL_COLOR, ANOMALOUS_COLOR, GRID_COLOR, BAR_OPACITY } from './histogram-bitmap';
export type { HistogramBitmapOptions } from './histogram-bitmap';
export { histogramSvg, escapeXml } from './histogram-svg';
export type { HistogramSvgOptions } from './histogram-svg';

// Deprecated aliases, kept for one release: the map pictures moved to @aaclip/render (0.2.0).
// Import them from '@aaclip/render'; these names leave @aaclip/core in the release after.
import * as render from '@aaclip/render';

/** @deprecated moved to `@aaclip/render`: `import { jetColormap } from '@aaclip/render'`. */
export const jetColormap: typeof render.jetColormap = render.jetColormap;
/** @deprecated moved to `@aaclip/render`: `import { jetIndex } from '@aaclip/render'`. */
export const jetIndex: typeof render.jetIndex = render.jetIndex;
/** @deprecated moved to `@aaclip/render`: `import { JET_LUT } from '@aaclip/render'`. */
export const JET_LUT: typeof render.JET_LUT = render.JET_LUT;
/** @deprecated moved to `@aaclip/render`: `import { normalizeMap } from '@aaclip/render'`. */
export const normalizeMap: typeof render.normalizeMap = render.normalizeMap;
/** @deprecated moved to `@aaclip/render`: `import { overlayHeatmap } from '@aaclip/render'`. */
export const overlayHeatmap: typeof render.overlayHeatmap = render.overlayHeatmap;
/** @deprecated moved to `@aaclip/render`: `import { drawContour } from '@aaclip/render'`. */
export const drawContour: typeof render.drawContour = render.drawContour;
/** @deprecated moved to `@aaclip/render`: `import { maskBoundary } from '@aaclip/render'`. */
export const maskBoundary: typeof render.maskBoundary = render.maskBoundary;
/** @deprecated moved to `@aaclip/render`: `import { resizeMapBilinear } from '@aaclip/render'`. */
export const resizeMapBilinear: typeof render.resizeMapBilinear = render.resizeMapBilinear;
/** @deprecated moved to `@aaclip/render`: `import { histogramCounts } from '@aaclip/render'`. */
export const histogramCounts: typeof render.histogramCounts = render.histogramCounts;
/** @deprecated moved to `@aaclip/render`: `import { binScores } from '@aaclip/render'`. */
export const binScores: typeof render.binScores = render.binScores;
/** @deprecated moved to `@aaclip/render`: `import { niceTicks } from '@aaclip/render'`. */
export const niceTicks: typeof render.niceTicks = render.niceTicks;
/** @deprecated moved to `@aaclip/render`: `import { renderHistogram } from '@aaclip/render'`. */
export const renderHistogram: typeof render.renderHistogram = render.renderHistogram;
/** @deprecated moved to `@aaclip/render`: `import { NORMAL_COLOR } from '@aaclip/render'`. */
export const NORMAL_COLOR: typeof render.NORMAL_COLOR = render.NORMAL_COLOR;
/** @deprecated moved to `@aaclip/render`: `import { ANOMALOUS_COLOR } from '@aaclip/render'`. */
export const ANOMALOUS_COLOR: typeof render.ANOMALOUS_COLOR = render.ANOMALOUS_COLOR;
/** @deprecated moved to `@aaclip/render`: `import { GRID_COLOR } from '@aaclip/render'`. */
export const GRID_COLOR: typeof render.GRID_COLOR = render.GRID_COLOR;
/** @deprecated moved to `@aaclip/render`: `import { BAR_OPACITY } from '@aaclip/render'`. */
export const BAR_OPACITY: typeof render.BAR_OPACITY = render.BAR_OPACITY;
/** @deprecated moved to `@aaclip/render`: `import { histogramSvg } from '@aaclip/render'`. */
export const histogramSvg: typeof render.histogramSvg = render.histogramSvg;
/** @deprecated moved to `@aaclip/render`: `import { escapeXml } from '@aaclip/render'`. */
export const escapeXml: typeof render.escapeXml = render.escapeXml;
/** @deprecated moved to `@aaclip/render`. */
export type MapRange = render.MapRange;
/** @deprecated moved to `@aaclip/render`. */
export type OverlayOptions = render.OverlayOptions;
/** @deprecated moved to `@aaclip/render`. */
export type ResizeMapOptions = render.ResizeMapOptions;
/** @deprecated moved to `@aaclip/render`. */
export type ScoreSets = render.ScoreSets;
/** @deprecated moved to `@aaclip/render`. */
export type HistogramBinOptions = render.HistogramBinOptions;
/** @deprecated moved to `@aaclip/render`. */
export type ScoreHistogram = render.ScoreHistogram;
/** @deprecated moved to `@aaclip/render`. */
export type HistogramBitmapOptions = render.HistogramBitmapOptions;
/** @deprecated moved to `@aaclip/render`. */
export type HistogramSvgOptions = render.HistogramSvgOptions;

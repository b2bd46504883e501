import { ANOMALOUS_COLOR, BAR_OPACITY, NORMAL_COLOR } from './histogram-bitmap';
import { binScores, niceTicks, type HistogramBinOptions, type ScoreSets } from './histogram-data';
import { checkSize } from './validate';

/** Options of {@link histogramSvg}. */
export interface HistogramSvgOptions extends HistogramBinOptions {
  /** Size in CSS pixels (default 480 x 300); the SVG has a viewBox, so it also scales. */
  width?: number;
  height?: number;
  /** Optional title above the plot. */
  title?: string;
  /** Axis titles (defaults: 'anomaly score', and 'fraction of samples' or 'samples' by scale). */
  xLabel?: string;
  yLabel?: string;
  /** Legend names of the two sets (defaults: 'normal', 'anomalous'); the legend adds `(n=...)`. */
  normalLabel?: string;
  anomalousLabel?: string;
}

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const rgbCss = (c: readonly number[]): string => `rgb(${c[0]},${c[1]},${c[2]})`;
const fmt = (v: number): string => String(Number.parseFloat(v.toPrecision(6)));
const tickText = (v: number): string => String(Number.parseFloat(v.toPrecision(4)));

/**
 * The normal / anomalous score histograms of {@link renderHistogram} as a standalone SVG string:
 * overlaid semi-transparent bars, labelled axes with tick values, a legend with sample counts and
 * an optional title. Self-contained (no fonts or external references); embed it inline in HTML.
 *
 * @example
 * const svg = histogramSvg({ normal: [0.1, 0.2], anomalous: [0.8] }, { bins: 20, title: 'bottle' });
 * html += svg;
 */
export function histogramSvg(data: ScoreSets, opts: HistogramSvgOptions = {}): string {
  const fn = 'histogramSvg';
  const width = opts.width ?? 480;
  const height = opts.height ?? 300;
  checkSize(fn, 'width', width);
  checkSize(fn, 'height', height);
  const h = binScores(data, opts);
  const bins = h.edges.length - 1;
  const lo = h.edges[0];
  const hi = h.edges[bins];
  const yMax = h.maxHeight > 0 ? h.maxHeight * 1.05 : 1;
  const m = { left: 58, right: 16, top: opts.title ? 50 : 32, bottom: 46 };
  const pw = Math.max(1, width - m.left - m.right);
  const ph = Math.max(1, height - m.top - m.bottom);
  const X = (v: number): number => m.left + ((v - lo) / (hi - lo)) * pw;
  const Y = (v: number): number => m.top + ph - (v / yMax) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12" role="img">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (opts.title) {
    parts.push(`<text x="${fmt(m.left + pw / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(opts.title)}</text>`);
  }
  // Grid and y ticks.
  const yTicks = niceTicks(0, yMax, 5);
  for (const v of yTicks) {
    const y = fmt(Y(v));
    if (v > 0) parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e1e1e1"/>`);
    parts.push(`<line x1="${m.left - 5}" y1="${y}" x2="${m.left}" y2="${y}" stroke="#000"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickText(v)}</text>`);
  }
  // Bars.
  const sets: Array<[Float64Array, readonly number[], string]> = [
    [h.normalHeights, NORMAL_COLOR, 'normal'],
    [h.anomalousHeights, ANOMALOUS_COLOR, 'anomalous'],
  ];
  for (const [heights, color, cls] of sets) {
    parts.push(`<g class="${cls}" fill="${rgbCss(color)}" fill-opacity="${BAR_OPACITY}">`);
    for (let b = 0; b < bins; b++) {
      if (!(heights[b] > 0)) continue;
      const x0 = X(h.edges[b]);
      const x1 = X(h.edges[b + 1]);
      const y = Y(heights[b]);
      parts.push(`<rect x="${fmt(x0)}" y="${fmt(y)}" width="${fmt(x1 - x0)}" height="${fmt(m.top + ph - y)}"/>`);
    }
    parts.push('</g>');
  }
  // Axes and x ticks.
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#000"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#000"/>`);
  for (const v of niceTicks(lo, hi, 5)) {
    const x = fmt(X(v));
    parts.push(`<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 5}" stroke="#000"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${tickText(v)}</text>`);
  }
  const xLabel = opts.xLabel ?? 'anomaly score';
  const yLabel = opts.yLabel ?? (h.scale === 'count' ? 'samples' : 'fraction of samples');
  parts.push(`<text x="${fmt(m.left + pw / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${fmt(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  // Legend (top right, above the plot).
  const legend: Array<[string, readonly number[]]> = [
    [`${opts.normalLabel ?? 'normal'} (n=${h.normalTotal})`, NORMAL_COLOR],
    [`${opts.anomalousLabel ?? 'anomalous'} (n=${h.anomalousTotal})`, ANOMALOUS_COLOR],
  ];
  const ly = m.top - 20;
  let lx = m.left + pw;
  const items: string[] = [];
  for (let i = legend.length - 1; i >= 0; i--) {
    const [text, color] = legend[i];
    const textW = Math.ceil(text.length * 6.8);
    lx -= textW + 18;
    items.unshift(
      `<rect x="${fmt(lx)}" y="${ly}" width="12" height="12" fill="${rgbCss(color)}" fill-opacity="${BAR_OPACITY}" stroke="${rgbCss(color)}"/>` +
        `<text x="${fmt(lx + 16)}" y="${ly + 6}" dominant-baseline="middle">${escapeXml(text)}</text>`,
    );
    lx -= 12;
  }
  parts.push(`<g class="legend">${items.join('')}</g>`);
  parts.push('</svg>');
  return parts.join('\n');
}

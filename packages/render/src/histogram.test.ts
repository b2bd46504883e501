import { describe, expect, it } from 'vitest';
import {
  ANOMALOUS_COLOR,
  BAR_OPACITY,
  barRows,
  GRID_COLOR,
  binColumns,
  histogramPlotArea,
  histogramYMax,
  NORMAL_COLOR,
  renderHistogram,
} from './histogram-bitmap';
import { binScores, histogramCounts, niceTicks } from './histogram-data';
import { histogramSvg } from './histogram-svg';

const blend = (under: readonly number[], c: readonly number[]): number[] =>
  under.map((u, k) => Math.round((1 - BAR_OPACITY) * u + BAR_OPACITY * c[k]));

describe('histogramCounts / binScores', () => {
  it('bins like numpy.histogram (last bin closed, outside values dropped)', () => {
    expect(Array.from(histogramCounts([0, 0.1, 0.25, 0.5, 0.74, 1], 4, 0, 1))).toEqual([2, 1, 2, 1]);
    expect(Array.from(histogramCounts([-0.1, 0.3, 1.2], 2, 0, 1))).toEqual([1, 0]);
    expect(() => histogramCounts([0, Number.NaN], 2, 0, 1, 'normal')).toThrow(/normal\[1\] is NaN/);
  });

  it('bins both sets over their common range with fractions or counts', () => {
    const data = { normal: [0, 0.1, 0.2, 0.2], anomalous: [0.6, 0.8, 1] };
    const h = binScores(data, { bins: 5 });
    expect(Array.from(h.edges)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(Array.from(h.normalCounts)).toEqual([2, 2, 0, 0, 0]);
    expect(Array.from(h.anomalousCounts)).toEqual([0, 0, 0, 1, 2]);
    expect(Array.from(h.normalHeights)).toEqual([0.5, 0.5, 0, 0, 0]);
    expect(h.anomalousHeights[4]).toBeCloseTo(2 / 3, 12);
    expect(h.maxHeight).toBeCloseTo(2 / 3, 12);
    const c = binScores(data, { bins: 5, scale: 'count' });
    expect(c.maxHeight).toBe(2);
    expect([c.normalTotal, c.anomalousTotal]).toEqual([4, 3]);
    // Degenerate and empty ranges.
    expect(Array.from(binScores({ normal: [3, 3], anomalous: [] }, { bins: 2 }).edges)).toEqual([2.5, 3, 3.5]);
    expect(Array.from(binScores({ normal: [], anomalous: [] }, { bins: 2 }).edges)).toEqual([0, 0.5, 1]);
    expect(() => binScores({ normal: [0], anomalous: [1] }, { bins: 0 })).toThrow(/bins must be a positive integer, got 0/);
  });

  it('picks nice ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 0.7, 4)).toEqual([0, 0.2, 0.4, 0.6]);
  });
});

describe('renderHistogram', () => {
  it('draws overlaid blue and red bars with axes on white', () => {
    const width = 200;
    const height = 120;
    const bins = 4;
    // Range 0..1: normal in bins 0 and 1, anomalous in bins 1 and 3 (bin 1 overlaps).
    const data = { normal: [0.1, 0.1, 0.3], anomalous: [0.3, 0.9, 0.95, 1] };
    const img = renderHistogram(data, { width, height, bins, min: 0, max: 1, scale: 'count' });
    expect(img.length).toBe(width * height * 3);
    const px = (x: number, y: number): number[] => Array.from(img.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    const area = histogramPlotArea(width, height);
    const h = binScores(data, { bins, min: 0, max: 1, scale: 'count' });
    const yMax = histogramYMax(h);
    expect(yMax).toBeCloseTo(3 * 1.05, 12);
    const white = [255, 255, 255];
    const midX = (b: number): number => {
      const [x0, x1] = binColumns(area, bins, b);
      return (x0 + x1) >> 1;
    };
    const rowsOf = (v: number): number => barRows(area, v, yMax);
    // Rows of the y-axis grid lines (ticks 1, 2, 3), drawn under the bars.
    const gridRows = new Set([1, 2, 3].map((v) => area.bottom - rowsOf(v)));
    const under = (y: number): readonly number[] => (gridRows.has(y) ? GRID_COLOR : white);
    expect(gridRows.size).toBe(3);
    // Bin 0: 2 normal -> blue bar of rows(2) (its top row lies on the grid line of tick 2).
    expect(px(midX(0), area.bottom - 1)).toEqual(blend(white, NORMAL_COLOR));
    expect(px(midX(0), area.bottom - rowsOf(2))).toEqual(blend(GRID_COLOR, NORMAL_COLOR));
    expect(px(midX(0), area.bottom - rowsOf(2) - 2)).toEqual(white);
    // Bin 1: one of each -> the overlap mixes both colours.
    expect(px(midX(1), area.bottom - 1)).toEqual(blend(blend(white, NORMAL_COLOR), ANOMALOUS_COLOR));
    // Bin 2: empty; bin 3: 3 anomalous (the tallest bar) in red.
    expect(px(midX(2), area.bottom - 1)).toEqual(white);
    expect(px(midX(3), area.bottom - 1)).toEqual(blend(white, ANOMALOUS_COLOR));
    expect(px(midX(3), area.bottom - rowsOf(3))).toEqual(blend(GRID_COLOR, ANOMALOUS_COLOR));
    expect(px(midX(3), area.bottom - rowsOf(3) - 1)).toEqual(white);
    // Count the bar pixels of each colour in its column: heights proportional to the counts.
    const column = (x: number, c: readonly number[]): number => {
      let k = 0;
      for (let y = area.top; y < area.bottom; y++) if (px(x, y).every((v, i) => v === blend(under(y), c)[i])) k++;
      return k;
    };
    expect(column(midX(0), NORMAL_COLOR)).toBe(rowsOf(2));
    expect(column(midX(3), ANOMALOUS_COLOR)).toBe(rowsOf(3));
    expect(column(midX(2), NORMAL_COLOR)).toBe(0);
    // Axes: black x axis below the plot and y axis left of it; x tick marks below the axis.
    expect(px(midX(2), area.bottom)).toEqual([0, 0, 0]);
    expect(px(area.left - 1, (area.top + area.bottom) >> 1)).toEqual([0, 0, 0]);
    expect(px(area.left, area.bottom + 2)).toEqual([0, 0, 0]); // tick at 0
    expect(px(area.left + 3, area.bottom + 2)).toEqual(white);
    // Outside the plot the bitmap stays white.
    expect(px(width - 1, 0)).toEqual(white);
  });

  it('validates the bitmap size', () => {
    expect(() => renderHistogram({ normal: [0], anomalous: [1] }, { width: 10, height: 100 })).toThrow(/at least 32x32, got 10x100/);
  });
});

describe('histogramSvg', () => {
  const data = { normal: [0.1, 0.2, 0.25, 0.3], anomalous: [0.7, 0.8] };

  it('has labelled axes, a legend with counts and one rect per non-empty bin', () => {
    const svg = histogramSvg(data, { bins: 10, min: 0, max: 1, title: 'bottle <test>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>normal (n=4)</text>');
    expect(svg).toContain('>anomalous (n=2)</text>');
    expect(svg).toContain('>anomaly score</text>');
    expect(svg).toContain('>fraction of samples</text>');
    expect(svg).toContain('>bottle &lt;test&gt;</text>');
    for (const t of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(svg).toContain(`>${t}</text>`);
    const group = (cls: string): string => svg.split(`<g class="${cls}"`)[1].split('</g>')[0];
    // normal: bins 1, 2 (0.2, 0.25), 3 -> 3 rects; anomalous: bins 7, 8 -> 2 rects.
    expect(group('normal').match(/<rect /g)?.length).toBe(3);
    expect(group('anomalous').match(/<rect /g)?.length).toBe(2);
    expect(group('normal')).toContain('fill="rgb(31,119,180)"');
  });

  it('uses custom labels and the count scale', () => {
    const svg = histogramSvg(data, { scale: 'count', normalLabel: 'good', anomalousLabel: 'defect', xLabel: 'score' });
    expect(svg).toContain('>good (n=4)</text>');
    expect(svg).toContain('>defect (n=2)</text>');
    expect(svg).toContain('>samples</text>');
    expect(svg).toContain('>score</text>');
  });
});

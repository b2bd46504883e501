import { describe, expect, it } from 'vitest';
import { formatDuration, formatScore } from './format';
import { formatMetricTable, formatPercent, markdownMetricTable } from './metric-table';
import type { ReportMetrics } from './report-types';

const bottle: ReportMetrics = { pixelAuroc: 0.9812, pixelAp: 0.6812, imageAuroc: 0.5625, imageAp: 1, aupro: 0.9012 };
const nut: ReportMetrics = { pixelAuroc: 0.9125, pixelAp: Number.NaN, imageAuroc: 0.9225, imageAp: 0.9175, aupro: 0.8325, f1MaxPixel: 0.66 };
const avg: ReportMetrics = { pixelAuroc: 0.94685, pixelAp: 0.6812, imageAuroc: 0.7425, imageAp: 0.95875, aupro: 0.86685 };

describe('formatPercent', () => {
  it('shows one decimal with Python rounding and "-" for missing values', () => {
    expect(formatPercent(0.98123)).toBe('98.1');
    expect(formatPercent(1)).toBe('100.0');
    expect(formatPercent(0)).toBe('0.0');
    expect(formatPercent(0.5625)).toBe('56.2'); // 56.25 is an exact tie: Python gives 56.2
    expect(formatPercent(0.5675)).toBe('56.8'); // 0.5675 * 100 = 56.75 (tie) -> even digit 8, like Python
    expect(formatPercent(0.9125)).toBe('91.2'); // 91.25 -> 91.2 in Python (toFixed would say 91.3)
    expect(formatPercent(Number.NaN)).toBe('-');
    expect(formatPercent(undefined)).toBe('-');
    expect(formatPercent(null)).toBe('-');
  });
});

describe('formatMetricTable', () => {
  it('lays out class rows, a rule and the Average row in fixed-width columns', () => {
    const text = formatMetricTable([{ name: 'bottle', metrics: bottle }, { name: 'metal_nut', metrics: nut }], avg);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Class      Pixel AUROC  Pixel AP  Image AUROC  Image AP  AUPRO  F1-max (pixel)');
    expect(lines[1]).toMatch(/^-{9}  -{11}  -{8}  -{11}  -{8}  -{5}  -{14}$/);
    expect(lines[2]).toBe('bottle            98.1      68.1         56.2     100.0   90.1               -');
    expect(lines[3]).toBe('metal_nut         91.2         -         92.2      91.8   83.2            66.0');
    expect(lines[4]).toBe(lines[1]);
    expect(lines[5]).toBe('Average           94.7      68.1         74.2      95.9   86.7               -');
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(lines[0].length);
  });

  it('omits the F1 columns when no row has them, and the Average row when not given', () => {
    const text = formatMetricTable([{ name: 'bottle', metrics: bottle }]);
    expect(text.split('\n')[0]).toBe('Class   Pixel AUROC  Pixel AP  Image AUROC  Image AP  AUPRO');
    expect(text).not.toContain('Average');
    expect(text.split('\n')).toHaveLength(3);
  });
});

describe('markdownMetricTable', () => {
  it('is a GFM table with right-aligned numbers and escaped cells', () => {
    const md = markdownMetricTable([{ name: 'a|b', metrics: bottle }], avg);
    expect(md.split('\n')).toEqual([
      '| Class | Pixel AUROC | Pixel AP | Image AUROC | Image AP | AUPRO |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| a\\|b | 98.1 | 68.1 | 56.2 | 100.0 | 90.1 |',
      '| Average | 94.7 | 68.1 | 74.2 | 95.9 | 86.7 |',
    ]);
  });
});

describe('formatDuration / formatScore', () => {
  it('formats durations and scores for humans', () => {
    expect(formatDuration(0.4213)).toBe('0.42 s');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(185.4)).toBe('3 min 05 s');
    expect(formatDuration(7440)).toBe('2 h 04 min');
    expect(formatScore(0.812345)).toBe('0.8123');
    expect(formatScore(12.3456)).toBe('12.35');
    expect(formatScore(0)).toBe('0');
    expect(formatScore(0.0000123456)).toBe('1.235e-5');
  });
});

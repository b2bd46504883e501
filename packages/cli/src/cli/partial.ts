// A finished class of `aaclip eval`, kept in DIR/.partial/ so that --resume can reuse it: the
// class's report (cases' PNGs as base64) with the settings fingerprint it was computed under.
import type { ClassEvaluation } from '../evaluate';
import type { ClassReport } from '../report/index';
import type { Settings } from './output-names';

type SerialCase = { imagePath: string; score: number; label: 0 | 1; png: string };

export interface PartialResult {
  className: string;
  /** Fingerprint of the settings (see fingerprint()); --resume reuses only an equal one. */
  fingerprint: string;
  settings: Settings;
  official: ClassEvaluation['official'];
  undefinedMetrics?: ClassEvaluation['undefinedMetrics'];
  seconds: number;
  report: Omit<ClassReport, 'best' | 'worst'> & { best: SerialCase[]; worst: SerialCase[] };
}

const nan = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN); // JSON keeps NaN as null

export const toSerial = (r: ClassEvaluation, fingerprint: string, settings: Settings): PartialResult => ({
  className: r.report.className,
  fingerprint,
  settings,
  official: r.official,
  ...(r.undefinedMetrics ? { undefinedMetrics: r.undefinedMetrics } : {}),
  seconds: r.seconds,
  report: {
    ...r.report,
    best: r.report.best.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, png: Buffer.from(c.overlayPng).toString('base64') })),
    worst: r.report.worst.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, png: Buffer.from(c.overlayPng).toString('base64') })),
  },
});

export const fromSerial = (p: PartialResult): ClassEvaluation => ({
  official: p.official,
  seconds: p.seconds,
  ...(p.undefinedMetrics ? { undefinedMetrics: p.undefinedMetrics } : {}),
  report: {
    ...p.report,
    metrics: Object.fromEntries(Object.entries(p.report.metrics).map(([k, v]) => [k, nan(v as number | null)])) as unknown as ClassReport['metrics'],
    best: p.report.best.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, overlayPng: new Uint8Array(Buffer.from(c.png, 'base64')) })),
    worst: p.report.worst.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, overlayPng: new Uint8Array(Buffer.from(c.png, 'base64')) })),
  },
});

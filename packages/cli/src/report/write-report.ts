import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '@aaclip/backend-node/tools';
import { renderReportHtml } from './report-html';
import { renderReportJson } from './report-json';
import { renderReportMarkdown } from './report-markdown';
import type { EvaluationReportData, WriteReportOptions, WrittenReport } from './report-types';
import { validateReportData } from './validate-report';

/** File names of a report inside its folder. */
export const REPORT_FILES = { json: 'report.json', markdown: 'report.md', html: 'report.html' } as const;

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

async function refuseExisting(paths: string[]): Promise<void> {
  for (const p of paths) {
    if (await exists(p)) {
      throw new Error(`writeEvaluationReport: ${p} already exists; pass { force: true } to replace the report`);
    }
  }
}

async function writeSynced(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes an evaluation report into `dir` (created if needed): `report.json` (data, no images),
 * `report.md` (tables) and a self-contained `report.html` (images as data: URIs, inline SVG).
 *
 * The data is validated and all three documents are rendered before the file system is touched;
 * they are then written to temporary files in `dir` (fsynced) and renamed into place, so a
 * failure never leaves a half-written report. Without `force`, an existing report file is an
 * error naming it, and nothing is changed.
 *
 * @returns the paths written.
 * @throws Error `... report.json already exists; pass { force: true } ...` without `force`.
 * @example
 * await writeEvaluationReport('runs/mvtec-eval', data);
 * await writeEvaluationReport('runs/mvtec-eval', data, { force: true }); // replace it
 */
export async function writeEvaluationReport(dir: string, data: EvaluationReportData, opts: WriteReportOptions = {}): Promise<WrittenReport> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`writeEvaluationReport: dir must be a non-empty string, got ${String(dir)}`);
  validateReportData(data);
  const force = opts.force ?? false;
  const targets: WrittenReport = {
    json: join(dir, REPORT_FILES.json),
    markdown: join(dir, REPORT_FILES.markdown),
    html: join(dir, REPORT_FILES.html),
  };
  const texts: Array<[string, string]> = [
    [targets.json, renderReportJson(data)],
    [targets.markdown, renderReportMarkdown(data)],
    [targets.html, renderReportHtml(data)],
  ];
  if (!force) await refuseExisting(texts.map(([p]) => p));
  await mkdir(dir, { recursive: true });
  const temps = texts.map(([p]) => tempPathFor(p)); // named so that a later run removes them if this one dies
  try {
    for (let i = 0; i < texts.length; i++) await writeSynced(temps[i], texts[i][1]);
    // Re-check just before the renames (narrows the window for a concurrent writer).
    if (!force) await refuseExisting(texts.map(([p]) => p));
    for (let i = 0; i < texts.length; i++) await rename(temps[i], texts[i][0]);
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw e;
  }
  return targets;
}

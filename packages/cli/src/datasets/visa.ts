// VisA reader, driven by the dataset's split CSV.
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readInputFile } from '@aaclip/backend-node';
import { assertRoot, mapLimit, pathKind, pickClasses, requireDir } from './scan';
import { DatasetLayoutError, makeIndex, type DatasetIndex, type DatasetItem, type DatasetSplit, type ReaderOptions } from './types';

/** Options of {@link readVisa}. */
export interface VisaOptions extends ReaderOptions {
  /** Split CSV, relative to the root or absolute (default `split_csv/1cls.csv`, the one-class protocol). */
  csv?: string;
  /** Check that every listed image and mask exists (default true). */
  verify?: boolean;
}

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF, LF or CR, optional BOM) into
 * rows, with csv-parse. Blank lines are dropped. Each row carries the 1-based line it starts on.
 *
 * @throws Error (csv-parse's, naming the line) for malformed quoting.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records = parse(text, {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true, // readVisa reports short rows itself, with the file and line
    record_delimiter: ['\r\n', '\n', '\r'],
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  return records
    .filter(({ record }) => !(record.length === 1 && record[0]!.trim() === ''))
    .map(({ record, info }) => ({
      line: info.lines - record.reduce((n, f) => n + (f.match(/\r\n|\n|\r/g)?.length ?? 0), 0), // info.lines is where it ends
      fields: record,
    }));
}

/** Label values of the split CSV (a Map: a label such as `constructor` or `__proto__` is not found on a prototype). */
/** Largest split CSV read (64 MiB; VisA's 1cls.csv is 0.7 MB). */
export const MAX_SPLIT_CSV_BYTES = 64 * 2 ** 20;

const LABELS: ReadonlyMap<string, 0 | 1> = new Map([['normal', 0], ['anomaly', 1], ['0', 0], ['1', 1]]);

/**
 * Reads VisA through its split CSV (`<root>/split_csv/1cls.csv`, columns
 * `object,split,label,image,mask`; label `normal` / `anomaly`; paths relative to the root).
 * The real layout is `<root>/<object>/Data/Images/{Normal,Anomaly}/*.JPG` with masks in
 * `<root>/<object>/Data/Masks/Anomaly/*.png`, but only the CSV's paths are used. Extra
 * columns are ignored, except `defect_type` which fills `defectType`.
 *
 * @throws DatasetLayoutError naming the CSV (and line) for a missing CSV, missing columns,
 *   bad split/label values, anomalies without a mask (unless `allowMissingMasks`), or
 *   (with `verify`, the default) listed files that do not exist.
 * @example
 * const index = await readVisa('/data/VisA_20220922');
 * index.classes.length; // 12
 */
export async function readVisa(rootArg: string, opts: VisaOptions = {}): Promise<DatasetIndex> {
  const reader = 'readVisa';
  assertRoot(rootArg, reader);
  const root = resolve(rootArg);
  await requireDir(root, `${reader}: dataset root`, '<root>/split_csv/1cls.csv and <root>/<object>/Data/...');
  if (opts.csv !== undefined && (typeof opts.csv !== 'string' || opts.csv === '')) {
    throw new TypeError(`${reader}: csv must be a non-empty path string, got ${JSON.stringify(opts.csv)}`);
  }
  const csvPath = resolve(root, opts.csv ?? 'split_csv/1cls.csv');
  if ((await pathKind(csvPath)) !== 'file') {
    throw new DatasetLayoutError(csvPath, `${reader}: split CSV ${csvPath} not found (VisA ships split_csv/1cls.csv)`);
  }
  const bytes = await readInputFile(csvPath, { what: 'split CSV', maxBytes: MAX_SPLIT_CSV_BYTES });
  let rows: { line: number; fields: string[] }[];
  try {
    rows = parseCsv(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new DatasetLayoutError(csvPath, `${reader}: ${csvPath} is not valid CSV (${(e as Error).message})`);
  }
  if (rows.length === 0) throw new DatasetLayoutError(csvPath, `${reader}: split CSV ${csvPath} is empty`);
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  const missingCols = ['object', 'split', 'label', 'image'].filter((n) => col(n) < 0);
  if (missingCols.length > 0) {
    throw new DatasetLayoutError(
      csvPath,
      `${reader}: ${csvPath} lacks column(s) ${missingCols.join(', ')}; header is "${rows[0].fields.join(',')}", expected object,split,label,image,mask`,
    );
  }
  const [cObj, cSplit, cLabel, cImage, cMask, cDefect] = ['object', 'split', 'label', 'image', 'mask', 'defect_type'].map(col);
  const at = (line: number): string => `${csvPath}:${line}`;
  const fromCsv = (p: string): string => resolve(root, p.trim());
  const items: DatasetItem[] = [];
  const lines: number[] = [];
  for (const { line, fields } of rows.slice(1)) {
    if (fields.length < header.length) {
      throw new DatasetLayoutError(csvPath, `${reader}: ${at(line)} has ${fields.length} fields, the header has ${header.length}`);
    }
    const className = fields[cObj].trim();
    const splitRaw = fields[cSplit].trim().toLowerCase();
    const labelRaw = fields[cLabel].trim().toLowerCase();
    const image = fields[cImage].trim();
    const mask = cMask >= 0 ? fields[cMask].trim() : '';
    if (className === '') throw new DatasetLayoutError(csvPath, `${reader}: ${at(line)} has an empty object name`);
    if (splitRaw !== 'train' && splitRaw !== 'test') {
      throw new DatasetLayoutError(csvPath, `${reader}: ${at(line)} has split "${fields[cSplit]}", expected train or test`);
    }
    const label = LABELS.get(labelRaw);
    if (label === undefined) {
      throw new DatasetLayoutError(csvPath, `${reader}: ${at(line)} has label "${fields[cLabel]}", expected normal or anomaly`);
    }
    if (image === '') throw new DatasetLayoutError(csvPath, `${reader}: ${at(line)} has an empty image path`);
    if (label === 1 && mask === '' && !opts.allowMissingMasks) {
      throw new DatasetLayoutError(
        csvPath,
        `${reader}: ${at(line)} is an anomaly without a mask (${image}); pass allowMissingMasks to keep it`,
      );
    }
    const item: DatasetItem = {
      imagePath: fromCsv(image),
      maskPath: mask === '' ? null : fromCsv(mask),
      label,
      className,
      split: splitRaw as DatasetSplit,
    };
    const defect = cDefect >= 0 ? fields[cDefect].trim() : '';
    if (defect !== '') item.defectType = defect;
    items.push(item);
    lines.push(line);
  }
  const found = [...new Set(items.map((it) => it.className))].sort();
  const classes = pickClasses(found, opts.classes, root, reader);
  const kept = new Set(classes);
  const keep = items.map((it) => kept.has(it.className));
  if (opts.verify !== false) {
    const missing = (
      await mapLimit(items, 32, async (it, i) => {
        if (!keep[i]) return [];
        const paths = it.maskPath === null ? [it.imagePath] : [it.imagePath, it.maskPath];
        const bad: { path: string; line: number }[] = [];
        for (const path of paths) if ((await pathKind(path)) !== 'file') bad.push({ path, line: lines[i] });
        return bad;
      })
    ).flat();
    if (missing.length > 0) {
      const first = missing[0];
      throw new DatasetLayoutError(
        first.path,
        `${reader}: ${missing.length} file(s) listed in ${csvPath} do not exist, first: ${first.path} (${at(first.line)})`,
      );
    }
  }
  return makeIndex('visa', root, items.filter((_, i) => keep[i]));
}

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { domainOf } from '@aaclip/prompts';
import type { Domain } from '@aaclip/core';
import { backendReport } from '../backend';
import { parseCliArgs } from '../cli-args';
import { DatasetLoader, readDataset, type DatasetFormat, type DatasetItem } from '../datasets/index';
import { averageMetrics, evaluateClass, type ClassEvaluation } from '../evaluate';
import { writeFileAtomic } from '../fs-utils';
import { loadDetector } from '../model-bundle';
import { formatMetricTable, writeEvaluationReport, type ClassReport } from '../report/index';
import { COMMON_HELP, COMMON_OPTIONS, CliError, intOption, setup } from './common';
import { Progress } from './progress';

export const EVAL_HELP = `aaclip eval --data ROOT --out DIR [options]

Runs a model over a dataset's test split, one class at a time, and prints the paper's table
(pixel AUROC, pixel AP, image AUROC, image AP) plus AUPRO and F1-max, with the average. Writes
report.json, report.md and a self-contained report.html (heatmaps of the best and worst cases,
score histograms) to DIR.

  --data ROOT         dataset root or jsonl manifest
  --format F          mvtec | visa | btad | mpdd | folder | manifest | auto (default auto)
  --model FILE        CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE...  adapter checkpoints (ours, or the official .pth files)
  --vocab FILE...     CLIP tokenizer files if the model has none
  --dataset NAME      class-name table and domain (mvtec, visa, btad, mpdd, Brain, ...)
  --domain D          industrial | medical (default: from --dataset, else industrial)
  --classes A,B       only these classes
  --size N            input size (default: the model's native size; the paper uses 518)
  --batch N           images per forward (default 4)
  --out DIR           report folder (an existing report needs --force)
  --resume            reuse the classes already finished in DIR
  --on-error E        skip | stop (default stop) for unreadable images or bad masks
  --force             overwrite an existing report
${COMMON_HELP}`;

interface Partial {
  className: string;
  official: ClassEvaluation['official'];
  seconds: number;
  report: Omit<ClassReport, 'best' | 'worst'> & { best: SerialCase[]; worst: SerialCase[] };
}
type SerialCase = { imagePath: string; score: number; label: 0 | 1; png: string };

const toSerial = (r: ClassEvaluation): Partial => ({
  className: r.report.className,
  official: r.official,
  seconds: r.seconds,
  report: {
    ...r.report,
    best: r.report.best.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, png: Buffer.from(c.overlayPng).toString('base64') })),
    worst: r.report.worst.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, png: Buffer.from(c.overlayPng).toString('base64') })),
  },
});
const fromSerial = (p: Partial): ClassEvaluation => ({
  official: p.official,
  seconds: p.seconds,
  report: {
    ...p.report,
    best: p.report.best.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, overlayPng: new Uint8Array(Buffer.from(c.png, 'base64')) })),
    worst: p.report.worst.map((c) => ({ imagePath: c.imagePath, score: c.score, label: c.label, overlayPng: new Uint8Array(Buffer.from(c.png, 'base64')) })),
  },
});

export async function evalCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    data: 'string', format: 'string', model: 'string', adapters: 'list', vocab: 'list', dataset: 'string', domain: 'string',
    classes: 'string', size: 'string', batch: 'string', out: 'string', resume: 'boolean', force: 'boolean', 'on-error': 'string',
  }, { h: 'help' });
  if (values.help) {
    console.log(EVAL_HELP);
    return 0;
  }
  if (!values.data) throw new CliError(`eval: --data is required\n\n${EVAL_HELP}`, 2);
  if (!values.out) throw new CliError('eval: --out DIR is required', 2);
  const outDir = resolve(values.out as string);
  if (existsSync(join(outDir, 'report.json')) && !values.force && !values.resume) {
    throw new CliError(`eval: a report exists in ${outDir} (use --force to overwrite or --resume to finish it)`, 2);
  }
  const onError = (values['on-error'] as string | undefined) ?? 'stop';
  if (onError !== 'skip' && onError !== 'stop') throw new CliError(`eval: --on-error must be skip or stop, got "${onError}"`, 2);
  const ctx = await setup(values);
  const t0 = Date.now();
  const skipped: { path: string; reason: string }[] = [];
  const format = ((values.format as string | undefined) ?? 'auto') as DatasetFormat | 'auto';
  const index = await readDataset(values.data as string, format);
  let classes = index.classes;
  if (values.classes) {
    const want = String(values.classes).split(',').map((c) => c.trim()).filter(Boolean);
    const missing = want.filter((c) => !index.classes.includes(c));
    if (missing.length) throw new CliError(`eval: classes not in the dataset: ${missing.join(', ')} (it has ${index.classes.join(', ')})`, 2);
    classes = want;
  }
  const dataset = values.dataset as string | undefined;
  const domain = ((values.domain as string | undefined) ?? (dataset ? domainOf(dataset, { onWarning: () => undefined }) : 'industrial')) as Domain;
  if (domain !== 'industrial' && domain !== 'medical') throw new CliError(`eval: --domain must be industrial or medical, got "${domain}"`, 2);
  const { detector, bundle } = await loadDetector({
    model: (values.model as string | undefined) ?? defaultModel(),
    adapters: values.adapters as string[] | undefined,
    vocab: values.vocab as string[] | undefined,
    prompts: { dataset, onWarning: (w) => ctx.log(`warning: ${w.message}`) },
    domain,
  });
  const size = intOption(values.size, 'size', bundle.config.vision.imageSize, bundle.config.vision.patchSize);
  const batch = intOption(values.batch, 'batch', 4, 1);
  const partialDir = join(outDir, '.partial');
  await mkdir(partialDir, { recursive: true });
  const results: ClassEvaluation[] = [];
  try {
    for (const c of classes) {
      const partialPath = join(partialDir, `${encodeURIComponent(c)}.json`);
      if (values.resume && existsSync(partialPath)) {
        results.push(fromSerial(JSON.parse(await readFile(partialPath, 'utf8')) as Partial));
        ctx.log(`${c}: reused from ${partialPath}`);
        continue;
      }
      const items: DatasetItem[] = index.items.filter((it) => it.className === c && it.split === 'test');
      if (items.length === 0) throw new CliError(`eval: class "${c}" has no test images in ${values.data}`, 2);
      const loader = new DatasetLoader(items, { size });
      const bar = new Progress(`eval ${c}`, items.length, { quiet: ctx.quiet });
      const r = await evaluateClass(detector, c, domain, items.length, async (i) => {
        try {
          const s = await loader.get(i);
          return { image: s.image, rgb: s.rgb, mask: s.mask, label: s.item.label, path: s.item.imagePath };
        } catch (e) {
          if (onError === 'stop') throw new CliError(`eval: ${(e as Error).message} (use --on-error skip to leave such images out)`, 1);
          if (!skipped.some((x) => x.path === items[i]!.imagePath)) {
            skipped.push({ path: items[i]!.imagePath, reason: (e as Error).message });
            ctx.log(`warning: skipped ${items[i]!.imagePath}: ${(e as Error).message}`);
          }
          return null;
        }
      }, { batchSize: batch, onImage: () => bar.tick() });
      bar.finish();
      results.push(r);
      await writeFileAtomic(partialPath, JSON.stringify(toSerial(r)), { overwrite: true });
    }
  } finally {
    detector.dispose();
  }
  const rows = results.map((r) => ({ name: r.report.className, metrics: r.report.metrics }));
  const average = averageMetrics(results.map((r) => r.report.metrics));
  const seconds = (Date.now() - t0) / 1000;
  const written = await writeEvaluationReport(outDir, {
    title: `AA-CLIP evaluation: ${dataset ?? index.format} (${classes.length} classes)`,
    createdAt: new Date().toISOString(),
    model: { model: (values.model as string | undefined) ?? 'demo', adapters: ((values.adapters as string[] | undefined) ?? []).join(', ') || '(in model file)', imageSize: size, domain },
    dataset: { root: resolve(values.data as string), format: index.format },
    classes: results.map((r) => r.report),
    average,
    runtime: { seconds, backend: backendReport()?.active ?? 'unknown' },
  }, { force: values.force === true || values.resume === true });
  if (ctx.json) console.log(JSON.stringify({ classes: results.map((r) => ({ className: r.report.className, metrics: r.report.metrics, official: r.official })), average, skipped, seconds, report: written }));
  else {
    console.log(formatMetricTable(rows, average));
    if (skipped.length) console.log(`\nskipped ${skipped.length} image(s):\n${skipped.map((x) => `  ${x.path}: ${x.reason}`).join('\n')}`);
    console.log(`\nreport: ${written.html}\n        ${written.markdown}\n        ${written.json}\n(${seconds.toFixed(1)} s)`);
  }
  return 0;
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { domainOf } from '@aaclip/prompts';
import type { ClipConfig, Domain } from '@aaclip/core';
import { backendReport } from '@aaclip/backend-node';
import { parseCliArgs } from '../cli-args';
import { DATASET_FORMATS, DatasetLayoutError, DatasetLoader, readDataset, type DatasetFormat, type DatasetIndex, type DatasetItem } from '../datasets/index';
import { averageMetrics, evaluateClass, type ClassEvaluation } from '../evaluate';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { sampleKShot } from '../datasets/kshot';
import { preprocessImage } from '@aaclip/core';
import { decodeImageFile } from '@aaclip/backend-node';
import { formatMetricTable, METRIC_COLUMNS, writeEvaluationReport } from '../report/index';
import { COMMON_HELP, COMMON_OPTIONS, CliError, commonFlags, lockOut, requirePath, startBackend, usage, userMessage, modelFiles } from './common';
import { checkSizeForModel, choiceFlag, intFlag, requiredFlag, sizeFlag } from './flags';
import { checkMuscBatch, HEAD_HELP, HEAD_OPTIONS, headFlags, normalImages, type HeadFlags } from './head-flags';
import { loadHead, stackImages, type LoadedHead } from './heads';
import { peekVision, vocabIgnoredWarning } from './model-peek';
import { canonical, fileIdentity, fingerprint, safeStem, settingsDiff, shortHash, type Settings } from './output-names';
import { fromSerial, toSerial, type PartialResult } from './partial';
import { Progress } from '@aaclip/backend-node/tools';

export const EVAL_HELP = `aaclip eval --data ROOT --out DIR [options]

Runs a model over a dataset's test split, one class at a time, and prints the paper's table
(pixel AUROC, pixel AP, image AUROC, image AP) plus AUPRO and F1-max, with the average. Writes
report.json, report.md and a self-contained report.html (heatmaps of the best and worst cases,
score histograms) to DIR.

  --data ROOT         dataset root or jsonl manifest
  --format F          mvtec | visa | btad | mpdd | folder | jsonl | auto (default auto)
  --model FILE        CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE     adapter checkpoint; repeat the flag (or separate with commas) for several
  --vocab FILE        CLIP tokenizer file(s) if the model has none (repeatable)
  --dataset NAME      class-name table and domain (mvtec, visa, btad, mpdd, Brain, ...)
  --domain D          industrial | medical (default: from --dataset, else industrial)
  --classes A,B       only these classes
  --size N            input size, a multiple of the model's patch size, at most 1024
                      (default: the model's native size; the paper uses 518)
  --batch N           images per forward, 1 to 64 (default 4)
  --out DIR           report folder (an existing report needs --force)
  --resume            reuse the classes an earlier run with the same settings finished in DIR
  --on-error E        skip | stop (default stop) for unreadable images or bad masks
${HEAD_HELP}
  --shots K           few-shot: K known-good references per class, chosen with --seed from the
                      dataset's train split (or from --normal DIR/<class>/)
  --normal DIR        known-good references per class in DIR/<class>/ (all, or K with --shots)
  --official          the official evaluation's numbers: a class whose test split has one
                      label gets image AUROC/AP 0, averaged in (default: undefined, left out)
  --force             overwrite an existing report
  --data-root-only    refuse manifest paths outside the data root (untrusted manifests)
  --queue URL         run the detections on 'aaclip worker' processes through the BullMQ queue at
                      redis://host:port (AA-CLIP head; the workers run the same --model and
                      --adapters, checked by sha256); this process reads the images and writes
                      the same report (docs/scale-out.md)
  --queue-name NAME   queue name (default detect)
${COMMON_HELP}`;

const FORMATS = ['auto', ...DATASET_FORMATS, 'manifest'] as const;

/** The partial result file of a class: a bounded, hashed name (any class name fits a file name). */
export function partialName(className: string): string {
  return `${safeStem(className, 80)}.${shortHash(className, 8)}.json`;
}

export async function evalCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    ...HEAD_OPTIONS,
    data: 'string', format: 'string', model: 'string', adapters: 'list', vocab: 'list', dataset: 'string', domain: 'string',
    classes: 'string', size: 'string', batch: 'string', out: 'string', resume: 'boolean', force: 'boolean', 'on-error': 'string', official: 'boolean', 'data-root-only': 'boolean',
    queue: 'string', 'queue-name': 'string',
  }, { isFile: existsSync, positionals: false });
  if (values.help) {
    console.log(EVAL_HELP);
    return 0;
  }
  // 1. flags
  const ctx = commonFlags(values);
  const data = requiredFlag(values, 'data', 'ROOT (a dataset folder or a jsonl manifest)');
  const outArg = requiredFlag(values, 'out', 'DIR');
  let format = choiceFlag(values, 'format', 'auto', FORMATS);
  if (format === 'manifest') format = 'jsonl';
  const onError = choiceFlag(values, 'on-error', 'stop', ['skip', 'stop'] as const);
  const sizeArg = sizeFlag(values);
  const batch = intFlag(values, 'batch', 4, 1, 64);
  const official = values.official === true;
  const head = headFlags(values);
  if (values.force && values.resume) throw usage('--force and --resume exclude each other (--force starts over, --resume reuses finished classes)');
  const dataset = values.dataset as string | undefined;
  const domain = choiceFlag(values, 'domain', (dataset ? domainOf(dataset, { onWarning: () => undefined }) : 'industrial') as Domain, ['industrial', 'medical'] as const);
  // 2. files
  requirePath(data, 'dataset');
  const { model, adapters, vocab } = modelFiles(values, defaultModel);
  if (head.method === 'musc' && adapters?.length) ctx.log('warning: --adapters is ignored by --method musc (MuSc runs on the frozen CLIP)');
  const peek = peekVision(model);
  if (sizeArg !== undefined && peek) checkSizeForModel(sizeArg, peek.patchSize, basename(model));
  const ignored = vocab?.length ? vocabIgnoredWarning(model) : null;
  if (ignored) ctx.log(`warning: ${ignored}`);
  const outDir = resolve(outArg);
  if (existsSync(join(outDir, 'report.json')) && !values.force && !values.resume) {
    throw usage(`a report exists in ${outDir} (use --force to overwrite or --resume to finish it)`);
  }
  let index: DatasetIndex;
  try {
    index = await readDataset(data, format as DatasetFormat | 'auto', { dataRootOnly: values['data-root-only'] === true });
  } catch (e) {
    throw new CliError(userMessage(e), e instanceof DatasetLayoutError ? 2 : 1);
  }
  let classes = index.classes;
  if (values.classes) {
    const want = String(values.classes).split(',').map((c) => c.trim()).filter(Boolean);
    const missing = want.filter((c) => !index.classes.includes(c));
    if (missing.length) throw usage(`classes not in the dataset: ${missing.join(', ')} (it has ${index.classes.join(', ')})`);
    classes = want;
  }
  // 3. settings: stored with every partial result, compared on --resume
  // few-shot references per class: --normal DIR/<class>/, or K normal images of the train split
  const references = new Map<string, string[]>();
  if (values.normal !== undefined) {
    for (const c of classes) references.set(c, normalImages(join(String(values.normal), c), head.shots, ctx.seed));
  } else if (head.shots !== undefined) {
    let picked: DatasetItem[];
    try {
      picked = sampleKShot(index.items.filter((it) => classes.includes(it.className)), head.shots, ctx.seed, { split: 'train', label: 0 });
    } catch (e) {
      throw usage(`--shots ${head.shots}: ${userMessage(e)} (the references come from the normal images of the train split; or give --normal DIR)`);
    }
    for (const it of picked) references.set(it.className, [...(references.get(it.className) ?? []), it.imagePath]);
  }
  const queue = values.queue as string | undefined;
  if (queue !== undefined) {
    if (!/^rediss?:\/\//.test(queue)) throw usage(`--queue must be a redis:// or rediss:// URL, got "${queue.slice(0, 80)}"`);
    if (head.method !== 'aaclip' || references.size) throw usage('--queue runs the AA-CLIP head without references (MuSc scores a class\'s images against each other, and few-shot references are banked, in one process)');
  }
  for (const c of classes) checkMuscBatch(index.items.filter((it) => it.className === c && it.split === 'test').length, head, `test images of class "${c}"`);
  const settings: Settings = {
    model: fileIdentity(model), adapters: (adapters ?? []).map(fileIdentity).join(','), vocab: (vocab ?? []).map(fileIdentity).join(','),
    data: canonical(data), format: index.format, dataset: dataset ?? null, domain, size: sizeArg ?? 'native', official,
    // recorded only when not the defaults, so that earlier runs' fingerprints stay valid
    ...(head.method !== 'aaclip' ? { method: head.method, topminMax: head.topminMax } : {}),
    ...(references.size ? { shots: head.shots ?? null, normal: values.normal === undefined ? 'train split' : canonical(String(values.normal)), seed: ctx.seed } : {}),
  };
  const fp = fingerprint(settings);
  const partialDir = join(outDir, '.partial');
  const release = lockOut(outDir, 'eval', [partialDir]);
  try {
    const reused = new Map<string, ClassEvaluation>();
    if (values.resume) {
      for (const c of classes) {
        const p = join(partialDir, partialName(c));
        if (!existsSync(p)) continue;
        let part: PartialResult;
        try {
          part = JSON.parse(await readFile(p, 'utf8')) as PartialResult;
        } catch (e) {
          throw new CliError(`--resume: cannot read ${p}: ${userMessage(e)} (delete it, or use --force to start over)`, 1);
        }
        if (part.className !== c) continue;
        if (part.fingerprint !== fp) {
          throw usage(`--resume: the result of class "${c.slice(0, 60)}" in ${p} was computed with other settings (${part.settings ? settingsDiff(part.settings, settings) : 'settings not recorded'}); rerun with the same settings, or use --force to start over`);
        }
        reused.set(c, fromSerial(part));
      }
    }
    await startBackend(ctx);
    return await runEval({ ctx, head, references, index, classes, reused, data, model, adapters, vocab, dataset, domain, sizeArg, batch, onError, official, outDir, partialDir, settings, fp, force: values.force === true || values.resume === true, modelName: (values.model as string | undefined) ?? 'demo', queue, queueName: values['queue-name'] as string | undefined });
  } finally {
    release();
  }
}

interface EvalRun {
  ctx: ReturnType<typeof commonFlags>;
  head: HeadFlags;
  references: Map<string, string[]>;
  index: DatasetIndex;
  classes: string[];
  reused: Map<string, ClassEvaluation>;
  data: string;
  model: string;
  modelName: string;
  adapters: string[] | undefined;
  vocab: string[] | undefined;
  dataset: string | undefined;
  domain: Domain;
  sizeArg: number | undefined;
  batch: number;
  onError: 'skip' | 'stop';
  official: boolean;
  outDir: string;
  partialDir: string;
  settings: Settings;
  fp: string;
  force: boolean;
  /** --queue URL: the detections run on workers (openQueueHead). */
  queue?: string;
  queueName?: string;
}

/** eval --queue: the workers detect (the same exact maps), this process reads the images and computes the report. */
async function openQueueHead(o: EvalRun): Promise<LoadedHead> {
  const peek = peekVision(o.model);
  if (!peek && o.sizeArg === undefined) throw usage(`--queue: give --size (the input size of ${basename(o.model)} cannot be read from its header)`);
  const { createQueueEvalHead, redactUrl } = await import('@aaclip/serve');
  const q = await createQueueEvalHead({ url: o.queue!, queue: o.queueName, domain: o.domain, dataset: o.dataset, model: o.model, adapters: o.adapters });
  o.ctx.log(`eval: detections on queue "${o.queueName ?? 'detect'}" at ${redactUrl(o.queue!)}`);
  return {
    method: 'aaclip',
    minBatch: 1,
    config: { vision: { imageSize: peek?.imageSize ?? o.sizeArg!, patchSize: peek?.patchSize ?? 1 } } as ClipConfig,
    wholeClass: q.wholeClass,
    detect: q.detect,
    add: q.add,
    finish: q.finish,
    addNormals: () => Promise.reject(new Error('--queue runs without normal references')),
    dispose: () => {
      o.ctx.log(`eval: images per worker: ${[...q.workers].map(([w, n]) => `${w} ${n}`).join(', ') || 'none'}`);
      void q.close();
    },
  };
}

async function runEval(o: EvalRun): Promise<number> {
  const { ctx } = o;
  const t0 = Date.now();
  const skipped: { path: string; reason: string }[] = [];
  const detector = o.queue ? await openQueueHead(o) : await loadHead({
    method: o.head.method,
    topminMax: o.head.topminMax,
    model: o.model,
    adapters: o.adapters,
    vocab: o.vocab,
    dataset: o.dataset,
    domain: o.domain,
    onWarning: (m) => ctx.log(`warning: ${userMessage(m)}`),
  });
  const bundle = { config: detector.config };
  const results: ClassEvaluation[] = [];
  let size: number;
  try {
    if (o.sizeArg !== undefined) checkSizeForModel(o.sizeArg, bundle.config.vision.patchSize, basename(o.model));
    size = o.sizeArg ?? bundle.config.vision.imageSize;
    for (const c of o.classes) {
      const partialPath = join(o.partialDir, partialName(c));
      const kept = o.reused.get(c);
      if (kept) {
        results.push(kept);
        ctx.log(`${c}: reused from ${partialPath}`);
        continue;
      }
      const items: DatasetItem[] = o.index.items.filter((it) => it.className === c && it.split === 'test');
      if (items.length === 0) throw usage(`class "${c}" has no test images in ${o.data}`);
      const loader = new DatasetLoader(items, { size });
      const refs = o.references.get(c);
      if (refs?.length) {
        const imgs: Float32Array[] = [];
        for (const f of refs) imgs.push(preprocessImage(await decodeImageFile(f), size));
        const t = stackImages(imgs, size); // [K, S, S, 3]
        try {
          const info = await detector.addNormals(c, t);
          ctx.log(`${c}: ${info.images} normal references, ${info.bankSize} patches per level`);
        } finally {
          t.dispose();
        }
      }
      const bar = new Progress(`eval ${c}`, items.length, { quiet: ctx.quiet });
      let r: ClassEvaluation;
      try {
        r = await evaluateClass(detector, c, o.domain, items.length, async (i) => {
          try {
            const s = await loader.get(i);
            return { image: s.image, rgb: s.rgb, mask: s.mask, label: s.item.label, path: s.item.imagePath };
          } catch (e) {
            if (o.onError === 'stop') throw new CliError(`${userMessage(e)} (use --on-error skip to leave such images out)`, 1);
            if (!skipped.some((x) => x.path === items[i]!.imagePath)) {
              skipped.push({ path: items[i]!.imagePath, reason: userMessage(e) });
              ctx.log(`warning: skipped ${items[i]!.imagePath}: ${userMessage(e)}`);
            }
            return null;
          }
        }, { batchSize: o.batch, onImage: () => bar.tick(), official: o.official });
      } catch (e) {
        if (o.onError === 'stop' || e instanceof CliError) throw e;
        // --on-error skip: a class that cannot be evaluated at all is reported, and the run goes on
        skipped.push({ path: `class ${c}`, reason: userMessage(e) });
        ctx.log(`warning: skipped class ${c}: ${userMessage(e)}`);
        continue;
      }
      bar.finish();
      results.push(r);
      await writeFileAtomic(partialPath, JSON.stringify(toSerial(r, o.fp, o.settings)), { overwrite: true });
    }
  } finally {
    detector.dispose();
  }
  if (results.length === 0) throw new CliError(`no class could be evaluated (${skipped.length} skipped: ${skipped[0]?.reason ?? ''})`, 1);
  const rows = results.map((r) => ({ name: r.report.className, metrics: r.report.metrics }));
  const average = averageMetrics(results.map((r) => r.report.metrics));
  const notes = undefinedNotes(results);
  const seconds = (Date.now() - t0) / 1000;
  const written = await writeEvaluationReport(o.outDir, {
    title: `${o.head.method === 'musc' ? 'MuSc' : 'AA-CLIP'}${o.references.size ? ` + ${o.head.shots ?? 'all'}-shot normal references` : ''} evaluation: ${o.dataset ?? o.index.format} (${results.length} classes)`,
    createdAt: new Date().toISOString(),
    model: { model: o.modelName, adapters: (o.adapters ?? []).join(', ') || '(in model file)', imageSize: size, domain: o.domain, evaluation: o.official ? 'official (one-label classes score 0)' : 'default' },
    dataset: { root: resolve(o.data), format: o.index.format },
    classes: results.map((r) => r.report),
    average,
    runtime: { seconds, backend: backendReport()?.active ?? 'unknown' },
    ...(notes.length ? { notes } : {}),
  }, { force: o.force });
  if (ctx.json) console.log(JSON.stringify({ classes: results.map((r) => ({ className: r.report.className, metrics: r.report.metrics, official: r.official, undefinedMetrics: r.undefinedMetrics ?? null })), average, notes, skipped, seconds, report: written }));
  else {
    console.log(formatMetricTable(rows, average));
    if (notes.length) console.log(`\n${notes.join('\n')}`);
    if (skipped.length) console.log(`\nskipped ${skipped.length} image(s):\n${skipped.map((x) => `  ${x.path}: ${x.reason}`).join('\n')}`);
    console.log(`\nreport: ${written.html}\n        ${written.markdown}\n        ${written.json}\n(${seconds.toFixed(1)} s)`);
  }
  return 0;
}

/** One line per class with undefined metrics: which, why, and that the average leaves them out. */
function undefinedNotes(results: ClassEvaluation[]): string[] {
  const title = (k: string): string => METRIC_COLUMNS.find((c) => c.key === k)?.title ?? k;
  return results
    .filter((r) => r.undefinedMetrics)
    .map((r) => `${r.report.className}: ${r.undefinedMetrics!.keys.map(title).join(' and ')} undefined (${r.undefinedMetrics!.reason}); left out of the average (--official reports 0 and averages it)`);
}

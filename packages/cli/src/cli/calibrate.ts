// `aaclip calibrate`: per-class thresholds for AA-CLIP's fused score and its anomaly map, set
// on known-good images at a false-positive rate, or F1-optimal on a labelled set; written with
// the adapters and anchors to a NEW model file (the input is never replaced).
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { calibrateClass, preprocessImage, type Calibration, type CalibrationSample, type ClassThresholds, type Domain } from '@aaclip/core';
import { encodeCheckpoint } from '@aaclip/core/weights';
import { domainOf } from '@aaclip/prompts';
import { parseCliArgs } from '../cli-args';
import { DATASET_FORMATS, DatasetLayoutError, DatasetLoader, readDataset, type DatasetFormat, type DatasetIndex, type DatasetItem } from '../datasets/index';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { decodeImageFile } from '@aaclip/backend-node';
import { createDetector } from '@aaclip/backend-node';
import { COMMON_HELP, COMMON_OPTIONS, CliError, commonFlags, requirePath, startBackend, usage, userMessage, modelFiles } from './common';
import { canonical } from './output-names';
import { checkSizeForModel, choiceFlag, intFlag, numFlag, requiredFlag, sizeFlag } from './flags';
import { peekCalibration, peekVision } from './model-peek';
import { Progress } from '@aaclip/backend-node/tools';
import { expandImageArgs } from './head-flags';

export const CALIBRATE_HELP = `aaclip calibrate --out FILE (--fpr X --class NAME IMAGES... | --data ROOT) [options]

Sets, per class, a threshold on the image score (the 'score' column of aaclip detect) and one
on the anomaly map, and writes them with the adapters and anchors to a NEW model file FILE
(metadata key aaclip.calibration). aaclip detect --adapters FILE then prints OK/DEFECT per image.

  from known-good images alone:
  --fpr X             false-positive rate (above 0, below 1) on these images: the thresholds are
                      the (1 - X) quantiles of their scores and of their map pixels
  --class NAME        the class the images show
  IMAGES...           image files or folders of them, all known-good (held out from testing)

  from a labelled set (F1-optimal thresholds, as anomalib's adaptive threshold):
  --data ROOT         dataset folder or jsonl manifest with normal AND anomalous images per class
                      (masks give the pixel threshold; without them it is the --fpr quantile of
                      the normal pixels, default 0.01)
  --format F          mvtec | visa | btad | mpdd | folder | jsonl | auto (default auto)
  --split S           test | train | all (default test)
  --classes A,B       only these classes

  --out FILE          the new model file (never the input; an existing FILE needs --force)
  --model FILE        CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE     adapter checkpoint(s); the thresholds of other classes they store are kept
  --vocab FILE        CLIP tokenizer file(s) if the model has none (repeatable)
  --dataset NAME      class-name table and domain (mvtec, visa, ...)
  --domain D          industrial | medical (default: from --dataset, else industrial)
  --size N            input size (default: the model's native size)
  --batch N           images per forward, 1 to 64 (default 4)
  --force             overwrite FILE
  --data-root-only    refuse manifest paths outside the data root (untrusted manifests)
${COMMON_HELP}`;

export async function calibrateCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    out: 'string', fpr: 'string', class: 'string', data: 'string', format: 'string', split: 'string', classes: 'string',
    model: 'string', adapters: 'list', vocab: 'list', dataset: 'string', domain: 'string', size: 'string', batch: 'string', force: 'boolean', 'data-root-only': 'boolean',
  }, { isFile: existsSync });
  if (values.help) {
    console.log(CALIBRATE_HELP);
    return 0;
  }
  // 1. flags
  const ctx = commonFlags(values);
  const outArg = requiredFlag(values, 'out', 'FILE (the new model file)');
  const labelled = values.data !== undefined;
  if (!labelled && values.fpr === undefined) throw usage('give --fpr X with known-good images, or --data ROOT for a labelled set (aaclip calibrate --help)');
  const fpr = values.fpr === undefined ? undefined : numFlag(values, 'fpr', 0.01, 0, 1, { exclusiveMin: true });
  if (fpr === 1) throw usage('--fpr must be below 1, got 1');
  const split = choiceFlag(values, 'split', 'test', ['test', 'train', 'all'] as const);
  let format = choiceFlag(values, 'format', 'auto', ['auto', ...DATASET_FORMATS, 'manifest'] as const);
  if (format === 'manifest') format = 'jsonl';
  const batch = intFlag(values, 'batch', 4, 1, 64);
  const sizeArg = sizeFlag(values);
  const dataset = values.dataset as string | undefined;
  const domain = choiceFlag(values, 'domain', (dataset ? domainOf(dataset, { onWarning: () => undefined }) : 'industrial') as Domain, ['industrial', 'medical'] as const);
  if (labelled && positionals.length) throw usage('--data ROOT is the labelled set: leave out the image arguments');
  if (labelled && values.class !== undefined) throw usage('--class names the class of known-good images; with --data use --classes');
  const className = labelled ? undefined : requiredFlag(values, 'class', 'NAME (the class the known-good images show)');
  if (!labelled && positionals.length === 0) throw usage('give the known-good images (files or folders) to calibrate on');
  // 2. files: the model, the adapters, and an output that is none of them
  const { model, adapters, vocab } = modelFiles(values, defaultModel);
  const out = resolve(outArg);
  for (const input of [model, ...(adapters ?? [])]) {
    if (existsSync(out) && canonical(out) === canonical(input)) throw usage(`--out ${outArg} is an input (${input}): calibrate writes a new file and never replaces its input`);
  }
  if (existsSync(out) && statSync(out).isDirectory()) throw usage(`--out ${outArg} is a folder: give a file name (e.g. calibrated.safetensors)`);
  if (existsSync(out) && !values.force) throw usage(`${out} exists (use --force to overwrite it, or another --out)`);
  const peek = peekVision(model);
  if (sizeArg !== undefined && peek) checkSizeForModel(sizeArg, peek.patchSize, basename(model));
  const previous = peekCalibration(adapters?.length ? adapters : [model]);
  // 3. the calibration set, checked before the backend starts
  const sets = new Map<string, { path: string; label?: 0 | 1; item?: DatasetItem }[]>();
  let index: DatasetIndex | null = null;
  if (labelled) {
    requirePath(String(values.data), 'dataset');
    try {
      index = await readDataset(String(values.data), format as DatasetFormat | 'auto', { dataRootOnly: values['data-root-only'] === true });
    } catch (e) {
      throw new CliError(userMessage(e), e instanceof DatasetLayoutError ? 2 : 1);
    }
    let classes = index.classes;
    if (values.classes) {
      const want = String(values.classes).split(',').map((c) => c.trim()).filter(Boolean);
      const missing = want.filter((c) => !index!.classes.includes(c));
      if (missing.length) throw usage(`classes not in the dataset: ${missing.join(', ')} (it has ${index.classes.join(', ')})`);
      classes = want;
    }
    for (const c of classes) {
      const items = index.items.filter((it) => it.className === c && (split === 'all' || it.split === split));
      const normal = items.filter((it) => it.label === 0).length;
      if (normal === 0) throw usage(`class "${c}" has no normal images in the ${split} split of ${values.data}: thresholds are set on known-good images`);
      if (normal === items.length) throw usage(`class "${c}" has normal images only (${normal}) in the ${split} split of ${values.data}: an F1-optimal threshold needs anomalous images too (or use --fpr X with known-good images)`);
      sets.set(c, items.map((it) => ({ path: it.imagePath, label: it.label, item: it })));
    }
  } else {
    sets.set(className!, [...new Set(expandImageArgs(positionals).map((p) => resolve(p)))].map((path) => ({ path })));
  }
  // 4. the backend, the detector, the scores
  await startBackend(ctx);
  const bundle = await createDetector({ model, adapters, vocab, prompts: { dataset, onWarning: (w) => ctx.log(`warning: ${userMessage(w.message)}`) }, domain });
  const detector = bundle.detector!; // one thread: the core detector (anchors exported below)
  const thresholds: Record<string, ClassThresholds> = {};
  let size: number;
  try {
    if (sizeArg !== undefined) checkSizeForModel(sizeArg, bundle.config.vision.patchSize, basename(model));
    size = sizeArg ?? bundle.config.vision.imageSize;
    for (const [c, list] of sets) {
      const bar = new Progress(`calibrate ${c}`, list.length, { quiet: ctx.quiet });
      const loader = labelled ? new DatasetLoader(list.map((x) => x.item!), { size }) : null;
      const samples: CalibrationSample[] = [];
      for (let s = 0; s < list.length; s += batch) {
        const part = list.slice(s, s + batch);
        const loaded = await Promise.all(part.map(async (x, k) => {
          try {
            if (loader) {
              const r = await loader.get(s + k);
              return { image: r.image, mask: r.mask, label: x.label };
            }
            return { image: preprocessImage(await decodeImageFile(x.path), size), mask: null, label: undefined };
          } catch (e) {
            throw new CliError(`${userMessage(e)}`, 1);
          }
        }));
        const all = new Float32Array(loaded.length * size * size * 3);
        loaded.forEach((l, k) => all.set(l.image, k * size * size * 3));
        const t = tf.tensor4d(all, [loaded.length, size, size, 3]); // [b, S, S, 3]
        let dets;
        try {
          dets = await detector.detect(t, { className: c, domain });
        } finally {
          t.dispose();
        }
        dets.forEach((d, k) => samples.push({ score: d.score, map: d.anomalyMap, label: loaded[k]!.label, mask: loaded[k]!.mask }));
        bar.tick(part.length);
      }
      bar.finish();
      try {
        thresholds[c] = calibrateClass(c, samples, labelled ? { labelled: true, ...(fpr !== undefined ? { fpr } : {}) } : { fpr: fpr! });
      } catch (e) {
        throw new CliError(userMessage(e), 2);
      }
    }
    // 5. the new file: adapters, anchors (the calibrated classes' too), tokenizer metadata, thresholds
    const ck = bundle.checkpoint!;
    const anchors = new Map(ck.anchors);
    for (const [c, a] of await detector.exportAnchorsAsync()) anchors.set(c, a);
    const kept = previous && previous.domain === domain ? previous.classes : {};
    if (previous && previous.domain !== domain) ctx.log(`warning: the thresholds stored for ${Object.keys(previous.classes).join(', ')} are for the ${previous.domain} domain; the new file keeps only this run's (${domain})`);
    const calibration: Calibration = { version: 1, domain, size, classes: { ...kept, ...thresholds } };
    const bytes = encodeCheckpoint({
      clipConfig: ck.clipConfig,
      aaclipConfig: ck.aaclipConfig,
      adapters: ck.adapters,
      anchors,
      anchorInfo: { ...(ck.anchorInfo ?? {}), calibratedWith: { dataset: dataset ?? null } },
      extra: { ...(ck.extra ?? {}), ...(bundle.metadata.tokenizer && !ck.extra?.tokenizer ? { tokenizer: bundle.metadata.tokenizer } : {}) },
      calibration,
    });
    await writeFileAtomic(out, bytes, { overwrite: values.force === true });
    if (ctx.json) console.log(JSON.stringify({ out, calibration }));
    else {
      console.log(['class', 'method', 'image threshold', 'pixel threshold', 'normal', 'anomalous', 'F1 (image)'].join('  '));
      for (const [c, t] of Object.entries(thresholds)) {
        console.log([c, t.method === 'fpr' ? `fpr ${t.fpr}` : 'F1-optimal', t.image.toFixed(4), t.pixel.toFixed(4), String(t.normal), String(t.anomalous), t.f1 ? t.f1.image.toFixed(4) : '-'].join('  '));
      }
      console.log(`wrote ${out}\nuse it with: aaclip detect --adapters ${outArg}${values.model ? ` --model ${values.model}` : ''} --class NAME IMAGES...`);
    }
  } finally {
    detector.dispose();
  }
  return 0;
}

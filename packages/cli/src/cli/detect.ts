import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { preprocessImage, toRgb, type Calibration, type Detection, type RawImage } from '@aaclip/core';
import { overlayHeatmap, resizeMapBilinear } from '@aaclip/render';
import { backendReport } from '@aaclip/backend-node';
import { parseCliArgs } from '../cli-args';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { decodeImageFile, encodePng } from '@aaclip/backend-node';
import { createDetector } from '@aaclip/backend-node';
import { COMMON_HELP, COMMON_OPTIONS, CliError, commonFlags, lockOut, requireFile, startBackend, usage, userMessage, modelFiles } from './common';
import { checkSizeForModel, choiceFlag, intFlag, maxWorkers, numFlag, requiredFlag, sizeFlag } from './flags';
import { checkMuscBatch, expandImageArgs, HEAD_HELP, HEAD_OPTIONS, headFlags, normalImages, type HeadFlags } from './head-flags';
import { loadHead, stackImages } from './heads';
import { peekCalibration, peekVision, vocabIgnoredWarning } from './model-peek';
import { fileIdentity, fingerprint, planOutputs, settingsDiff, type PlannedOutput, type Settings } from './output-names';
import { Progress } from '@aaclip/backend-node/tools';
import { formatResultTable, verdictOf, type DetectResult } from './result-table';

export const DETECT_HELP = `aaclip detect <images or folders...> --class NAME [options]

Finds and localises anomalies: writes an overlay PNG per image, at the image's own size, and
scores.json. Outputs are named <image>.overlay.png (with a hash of the path when two inputs
share a name); nothing is overwritten without --force, and an input is never overwritten.

  --class NAME        object class (e.g. bottle); prompts use its real name
  --model FILE        CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE     adapter checkpoint; repeat the flag (or separate with commas) for several,
                      e.g. --adapters text_adapter.pth --adapters image_adapter_20.pth
  --vocab FILE        CLIP tokenizer file(s) if the model has no tokenizer of its own (repeatable)
  --dataset NAME      class-name table to use (mvtec, visa, mpdd, btad, ...)
  --domain D          industrial (default) | medical
  --size N            input size in pixels, a multiple of the model's patch size, at most 1024
                      (default: the model's native size)
  --threshold X       score (0..1) from which an image is called anomalous: adds an OK/DEFECT
                      column (default: the thresholds 'aaclip calibrate' stored in the model or
                      adapter file, when it has some for --class)
${HEAD_HELP}
  --normal DIR        known-good images of the class: their patches become a memory of normal
                      patches whose distance map is added to the zero-shot map (few-shot)
  --shots K           use K of the --normal images, chosen with --seed (default: all)
  --masks             with stored thresholds: also write <image>.defect.png, the binary defect
                      mask (white where the anomaly map reaches the class's pixel threshold)
  --out DIR           output folder (default ./aaclip-detect)
  --opacity X         overlay opacity 0..1 (default 0.5)
  --scale S           overlay colours: image (default: blue to red over each image's anomaly
                      map, as AA-CLIP's visualisation normalises each map) | probability (0..1)
  --force             overwrite earlier outputs in --out
  --resume            keep the images an earlier run with the same settings recorded in scores.json
  --on-error E        skip | stop (default stop) for unreadable images
  --workers N         worker threads (1 to the number of cores), each with its own wasm/cpu
                      backend and copy of the weights (default 1: this thread); same results
${COMMON_HELP}`;

interface ScoresDoc {
  className: string;
  domain: string;
  size: number;
  model: string;
  settings: Settings;
  fingerprint: string;
  complete: boolean;
  results: DetectResult[];
  method?: string;
  /** The stored thresholds of the class the verdicts came from. */
  thresholds?: unknown;
  skipped: { image: string; reason: string }[];
}

function readScores(path: string): ScoresDoc | null {
  if (!existsSync(path)) return null;
  try {
    const d = JSON.parse(readFileSync(path, 'utf8')) as ScoresDoc;
    return Array.isArray(d.results) ? d : null;
  } catch {
    return null;
  }
}

export async function detectCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    ...HEAD_OPTIONS,
    class: 'string', model: 'string', adapters: 'list', vocab: 'list', dataset: 'string', domain: 'string', size: 'string', threshold: 'string',
    out: 'string', masks: 'boolean', opacity: 'string', scale: 'string', force: 'boolean', resume: 'boolean', 'on-error': 'string', workers: 'string',
  }, { isFile: existsSync });
  if (values.help) {
    console.log(DETECT_HELP);
    return 0;
  }
  // 1. every flag, before any file is read or any backend starts
  const ctx = commonFlags(values);
  const className = requiredFlag(values, 'class', 'NAME');
  const domain = choiceFlag(values, 'domain', 'industrial', ['industrial', 'medical'] as const);
  const opacity = numFlag(values, 'opacity', 0.5, 0, 1);
  const scale = choiceFlag(values, 'scale', 'image', ['image', 'probability'] as const);
  const onError = choiceFlag(values, 'on-error', 'stop', ['skip', 'stop'] as const);
  let workers = intFlag(values, 'workers', 1, 1, maxWorkers());
  const threshold = values.threshold === undefined ? undefined : numFlag(values, 'threshold', 0, 0, 1);
  const sizeArg = sizeFlag(values);
  const head = headFlags(values);
  if (head.shots !== undefined && values.normal === undefined) throw usage('--shots K chooses among the --normal DIR images: give --normal too');
  if (workers > 1 && (head.method !== 'aaclip' || values.normal !== undefined)) throw usage('--workers runs AA-CLIP alone: leave it out with --method musc or --normal');
  if (values.force && values.resume) throw usage('--force and --resume exclude each other (--force replaces earlier outputs, --resume keeps them)');
  if (positionals.length === 0) throw usage('give at least one image (aaclip detect --help)');
  // 2. the files named on the command line
  const inputs = expandImageArgs(positionals); // folders: the images inside them
  for (const p of inputs) requireFile(p, 'image');
  const { model, adapters, vocab } = modelFiles(values, defaultModel);
  if (head.method === 'musc' && adapters?.length) ctx.log('warning: --adapters is ignored by --method musc (MuSc runs on the frozen CLIP)');
  const normals = values.normal === undefined ? [] : normalImages(String(values.normal), head.shots, ctx.seed);
  const peek = peekVision(model);
  if (sizeArg !== undefined && peek) checkSizeForModel(sizeArg, peek.patchSize, basename(model));
  const ignored = vocab?.length ? vocabIgnoredWarning(model) : null;
  if (ignored) ctx.log(`warning: ${ignored}`);
  // 3. the outputs: one name per distinct input, never an input, nothing replaced unasked
  const outDir = resolve((values.out as string | undefined) ?? 'aaclip-detect');
  const scoresPath = resolve(outDir, 'scores.json');
  const { planned, duplicates } = planOutputs(inputs, outDir, '.overlay.png');
  for (const d of duplicates) ctx.log(`warning: ${d} is given more than once; detected once`);
  checkMuscBatch(planned.length, head, 'images given');
  // thresholds: --threshold, else those stored by aaclip calibrate for this class (AA-CLIP's zero-shot score)
  const calibration = head.method === 'aaclip' ? peekCalibration(adapters?.length ? adapters : [model]) : null;
  const stored = calibration && Object.hasOwn(calibration.classes, className) ? calibration.classes[className]! : undefined;
  const useStored = threshold === undefined && stored !== undefined && normals.length === 0;
  const masks = values.masks === true;
  if (masks && !(stored && normals.length === 0)) throw usage(`--masks needs the thresholds 'aaclip calibrate' stores for --class ${className} (${calibration ? `this file has ${Object.keys(calibration.classes).join(', ') || 'none'}` : 'this model has none'}), and no --normal`);
  if (calibration && !stored && threshold === undefined) ctx.log(`warning: the stored thresholds are for ${Object.keys(calibration.classes).join(', ')}, not "${className}": no verdict (calibrate this class, or give --threshold)`);
  if (threshold === undefined && stored && normals.length) ctx.log('warning: the stored thresholds are for the zero-shot score; with --normal the score changes, so no verdict is given (use --threshold)');
  const settings: Settings = {
    model: fileIdentity(model), adapters: (adapters ?? []).map(fileIdentity).join(','), vocab: (vocab ?? []).map(fileIdentity).join(','),
    class: className, domain, dataset: (values.dataset as string | undefined) ?? null, size: sizeArg ?? 'native', scale, opacity,
    // recorded only when not the defaults, so that earlier runs' fingerprints stay valid
    ...(head.method !== 'aaclip' ? { method: head.method, topminMax: head.topminMax } : {}),
    ...(normals.length ? { normal: normals.map(fileIdentity).join(',') } : {}),
    ...(masks ? { masks: true } : {}),
  };
  const fp = fingerprint(settings);
  const previous = readScores(scoresPath);
  if (existsSync(scoresPath) && !values.force && !values.resume) throw usage(`${scoresPath} exists (use --force to overwrite or --resume to continue)`);
  if (values.resume && previous && previous.fingerprint !== fp) {
    throw usage(`--resume: ${scoresPath} was made with other settings (${previous.settings ? settingsDiff(previous.settings, settings) : 'unknown settings'}); use the same settings, or --force to start over`);
  }
  const reuse = new Map<string, DetectResult>();
  if (values.resume && previous) for (const r of previous.results) if (existsSync(r.overlay)) reuse.set(r.image, r);
  for (const p of planned) {
    for (const out of masks ? [p.output, maskPath(p.output)] : [p.output]) {
      if (existsSync(out) && !values.force && !reuse.has(p.image)) {
        throw usage(`${out} exists and is not an output of an earlier run with these settings (use --force to overwrite it, or another --out)`);
      }
    }
  }
  // 4. the lock of the output folder, then the backend and the model
  const release = lockOut(outDir, 'detect');
  try {
    await startBackend(ctx);
    const active = backendReport()?.active ?? 'wasm';
    if (workers > 1 && active !== 'wasm' && active !== 'cpu') {
      ctx.log(`warning: --workers needs the wasm or cpu backend (the ${active} backend is multi-threaded already); using one detector`);
      workers = 1;
    }
    return await runDetect({
      ctx, planned, reuse, model, adapters, vocab, className, domain, opacity, scale, onError, workers, sizeArg, settings, fp, scoresPath, head, normals,
      threshold: threshold ?? (useStored ? stored!.image : undefined),
      pixelThreshold: useStored || masks ? stored!.pixel : undefined,
      masks,
      thresholdSource: threshold === undefined && useStored ? 'calibrated' : undefined,
      calibration: useStored ? calibration! : undefined,
      dataset: values.dataset as string | undefined, modelName: (values.model as string | undefined) ?? 'demo',
    });
  } finally {
    release();
  }
}

interface RunOptions {
  ctx: ReturnType<typeof commonFlags>;
  planned: PlannedOutput[];
  reuse: Map<string, DetectResult>;
  model: string;
  modelName: string;
  adapters: string[] | undefined;
  vocab: string[] | undefined;
  dataset: string | undefined;
  className: string;
  domain: 'industrial' | 'medical';
  opacity: number;
  scale: 'image' | 'probability';
  onError: 'skip' | 'stop';
  workers: number;
  threshold: number | undefined;
  pixelThreshold: number | undefined;
  masks: boolean;
  thresholdSource: string | undefined;
  calibration: Calibration | undefined;
  head: HeadFlags;
  normals: string[];
  sizeArg: number | undefined;
  settings: Settings;
  fp: string;
  scoresPath: string;
}

async function runDetect(o: RunOptions): Promise<number> {
  const { ctx, className, domain } = o;
  const prompts = { dataset: o.dataset };
  const onWarning = (message: string): void => ctx.log(`warning: ${userMessage(message)}`);
  // one detector on this thread, or a pool of worker threads: same results either way
  let run: (inputs: Float32Array[], size: number) => Promise<Detection[]>;
  let close: () => Promise<void> | void;
  let config;
  if (o.workers > 1) {
    const pool = await createDetector({ model: o.model, adapters: o.adapters, vocab: o.vocab, workers: o.workers, device: backendReport()?.active ?? 'wasm', prompts, domain, onWarning });
    run = (inputs) => pool.detect(inputs, { className, domain });
    close = () => pool.dispose();
    config = pool.config;
  } else {
    const h = await loadHead({ method: o.head.method, topminMax: o.head.topminMax, model: o.model, adapters: o.adapters, vocab: o.vocab, dataset: o.dataset, domain, onWarning });
    run = async (inputs, size) => {
      const input = stackImages(inputs, size); // [B, S, S, 3]
      try {
        return await h.detect(input, className);
      } finally {
        input.dispose();
      }
    };
    close = () => h.dispose();
    config = h.config;
    if (o.normals.length) {
      try {
        const size = o.sizeArg ?? config.vision.imageSize;
        const refs: Float32Array[] = [];
        for (const f of o.normals) {
          try {
            refs.push(preprocessImage(await decodeImageFile(f), size));
          } catch (e) {
            throw new CliError(`--normal: ${userMessage(e)}`, 1);
          }
        }
        const t = stackImages(refs, size); // [K, S, S, 3]
        try {
          const info = await h.addNormals(className, t);
          ctx.log(`normal references of "${className}": ${info.images} images, ${info.bankSize} patches per level`);
        } finally {
          t.dispose();
        }
      } catch (e) {
        h.dispose();
        throw e;
      }
    }
  }
  const size = o.sizeArg ?? config.vision.imageSize;
  const results: DetectResult[] = [];
  const skipped: { image: string; reason: string }[] = [];
  let complete = false;
  const writeScores = async (): Promise<void> => {
    const doc: ScoresDoc = { className, domain, size, model: o.modelName, method: o.head.method, settings: o.settings, fingerprint: o.fp, complete, ...(o.calibration ? { thresholds: o.calibration.classes[className] } : {}), results, skipped };
    await writeFileAtomic(o.scoresPath, `${JSON.stringify(doc, null, 2)}\n`, { overwrite: true });
  };
  const bar = new Progress('detect', o.planned.length, { quiet: ctx.quiet });
  const skip = (p: PlannedOutput, e: unknown): void => {
    const reason = userMessage(e);
    if (o.onError === 'stop') throw new CliError(`${reason} (use --on-error skip to go on)`, 1);
    skipped.push({ image: p.image, reason });
    ctx.log(`warning: skipped ${p.input}: ${reason}`);
    bar.tick(1, `${basename(p.input)} skipped`);
  };
  // images are decoded a chunk at a time (two per worker), then detected together
  // MuSc scores every image against the others: one batch of all
  const chunk = o.head.method === 'musc' ? o.planned.length : o.workers > 1 ? 2 * o.workers : 1;
  try {
    try {
      if (o.sizeArg !== undefined) checkSizeForModel(o.sizeArg, config.vision.patchSize, basename(o.model));
      for (let c0 = 0; c0 < o.planned.length; c0 += chunk) {
        const todo: { p: PlannedOutput; raw: RawImage; input: Float32Array }[] = [];
        for (const p of o.planned.slice(c0, c0 + chunk)) {
          const kept = o.reuse.get(p.image);
          if (kept) {
            const { verdict: _, ...rest } = kept;
            results.push({ ...rest, input: p.input, ...verdictOf(rest.score, o.threshold) });
            bar.tick(1, `${basename(p.input)} kept`);
            continue;
          }
          try {
            const raw = await decodeImageFile(p.input);
            todo.push({ p, raw, input: preprocessImage(raw, size) });
          } catch (e) {
            skip(p, e);
          }
        }
        if (todo.length === 0) continue;
        let dets: Detection[];
        try {
          dets = await run(todo.map((d) => d.input), size);
        } catch (e) {
          if (o.onError === 'stop') throw e;
          for (const d of todo) skip(d.p, e);
          continue;
        }
        for (let i = 0; i < todo.length; i++) {
          const { p, raw } = todo[i]!;
          const det = dets[i]!;
          try {
            // the overlay at the image's own size: the S x S maps resized bilinearly to W x H
            const rgb = toRgb(raw);
            const map = scale(o.scale === 'image' ? det.anomalyMap : det.probabilityMap, size, raw);
            const over = o.scale === 'image' ? overlayHeatmap(rgb.data, map, { opacity: o.opacity }) : overlayHeatmap(rgb.data, map, { opacity: o.opacity, min: 0, max: 1 });
            await writeFileAtomic(p.output, await encodePng({ width: raw.width, height: raw.height, channels: 3, data: over }), { overwrite: true });
            if (o.masks && o.pixelThreshold !== undefined) {
              // the defect mask at the image's size: the resized anomaly map against the pixel threshold
              const m = scale(det.anomalyMap, size, raw);
              const bw = Uint8Array.from(m, (v) => (v >= o.pixelThreshold! ? 255 : 0));
              await writeFileAtomic(maskPath(p.output), await encodePng({ width: raw.width, height: raw.height, channels: 1, data: bw }), { overwrite: true });
            }
          } catch (e) {
            skip(p, e);
            continue;
          }
          results.push({ input: p.input, image: p.image, overlay: p.output, ...(o.masks ? { defectMask: maskPath(p.output) } : {}), imageScore: det.imageScore, mapMax: det.mapMax, score: det.score, ...verdictOf(det.score, o.threshold), ...defectArea(det.anomalyMap, o.pixelThreshold) });
          bar.tick(1, `${basename(p.input)} score ${det.score.toFixed(3)}`);
        }
        await writeScores(); // after every chunk: an interrupted run keeps what it did
      }
      complete = true;
    } finally {
      await close();
    }
  } finally {
    // scores.json is written whatever happens, so that --on-error skip always ends with it
    await writeScores();
  }
  bar.finish();
  if (ctx.json) console.log(JSON.stringify({ className, domain, size, model: o.modelName, method: o.head.method, threshold: o.threshold ?? null, thresholdSource: o.thresholdSource ?? (o.threshold === undefined ? null : 'flag'), results, skipped }));
  else {
    console.log(formatResultTable(results, o.threshold === undefined ? undefined : Number(o.threshold.toFixed(4)), (p) => relative(process.cwd(), p) || p, o.thresholdSource));
    if (skipped.length) console.log(`skipped ${skipped.length} image(s): see ${o.scoresPath}`);
  }
  return 0;
}

/** An S x S map at the image's own W x H. */
function scale(map: Float32Array, size: number, raw: RawImage): Float32Array {
  return raw.width === size && raw.height === size ? map : resizeMapBilinear(map, size, size, raw.width, raw.height);
}

/** The fraction of map pixels at or above the calibrated pixel threshold (the defect mask's area). */
function defectArea(map: Float32Array, pixel: number | undefined): Pick<DetectResult, 'defectArea'> {
  if (pixel === undefined) return {};
  let n = 0;
  for (const v of map) if (v >= pixel) n++;
  return { defectArea: n / map.length };
}

/** The defect mask written beside an overlay: <image>.defect.png. */
function maskPath(overlay: string): string {
  return `${overlay.slice(0, -'.overlay.png'.length)}.defect.png`;
}

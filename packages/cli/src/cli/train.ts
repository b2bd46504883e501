import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AAClipModel } from '@aaclip/core';
import { trainAAClip, type TrainingSample, type TrainingSource } from '@aaclip/core/train';
import { type AAClipCheckpoint } from '@aaclip/core/weights';
import { backendReport, ensureGradients } from '@aaclip/backend-node';
import { createTrainingPool, type TrainingPool } from '@aaclip/backend-node';
import { loadCheckpoint, saveCheckpoint } from '@aaclip/backend-node';
import { parseCliArgs } from '../cli-args';
import { DATASET_FORMATS, DatasetLayoutError, DatasetLoader, readDataset, sampleKShot, type DatasetFormat, type DatasetItem } from '../datasets/index';
import { loadBundle, TOKENIZER_METADATA_KEY } from '@aaclip/backend-node';
import { COMMON_HELP, COMMON_OPTIONS, CliError, commonFlags, lockOut, requireFile, requirePath, startBackend, usage, userMessage } from './common';
import { checkSizeForModel, choiceFlag, intFlag, maxWorkers, numFlag, requiredFlag, sizeFlag } from './flags';
import { peekVision, vocabIgnoredWarning } from './model-peek';
import { canonical, fileIdentity, fingerprint, settingsDiff, type Settings } from './output-names';
import { Progress } from '@aaclip/backend-node/tools';

/** Checkpoint metadata key of the CLI's settings fingerprint (compared on --resume). */
const SETTINGS_KEY = 'aaclip_cli_settings';

export const TRAIN_HELP = `aaclip train --data ROOT --model FILE --out DIR [options]

Trains AA-CLIP: stage 1 (text adapters), then stage 2 (image adapters) against the frozen
stage-1 anchors. Checkpoints go to DIR/checkpoint.safetensors (atomically, every N steps and
at every epoch end, and on Ctrl-C / SIGTERM); the final model to DIR/adapters.safetensors.

  --data ROOT          dataset root or a jsonl manifest
  --format F           mvtec | visa | btad | mpdd | folder | jsonl | auto (default auto)
  --split S            train (default) | test | all
  --classes A,B        only these classes
  --shots K            k-shot: K images per class (seeded), 0 = all (default 0; at most 100000)
  --model FILE         CLIP weights (any supported layout)
  --vocab FILE         CLIP tokenizer file(s) if the model has no tokenizer of its own (repeatable)
  --dataset NAME       class-name table for the prompts (mvtec, visa, ...)
  --out DIR            output folder
  --size N             training size, a multiple of the model's patch size, at most 1024
                       (default: the model's native size; the paper uses 518)
  --stage1-epochs N    default 5          --stage2-epochs N   default 20   (0 to 10000)
  --batch1 N           default 16 (1-1024) --batch2 N         default 2 (1-256)
  --lr1 X              default 1e-5       --lr2 X             default 5e-4 (above 0, at most 1)
  --all-levels         stage 1 loss over every level (official: last level only)
  --no-augment         no augmentation
  --checkpoint-every N checkpoint every N steps (default 50, at most 1000000)
  --workers N          stage 2 on N + 1 threads: each batch split across this thread and N
                       workers, each with its own copy of the vision weights (default 0;
                       at most the number of cores)
  --resume             continue from DIR/checkpoint.safetensors (same settings only)
  --on-error E         skip | stop (default stop) for unreadable images
  --force              overwrite an existing DIR/checkpoint.safetensors
  --data-root-only    refuse manifest paths outside the data root (untrusted manifests)
${COMMON_HELP}`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    data: 'string', format: 'string', split: 'string', classes: 'string', shots: 'string', model: 'string', vocab: 'list', dataset: 'string',
    out: 'string', size: 'string', 'stage1-epochs': 'string', 'stage2-epochs': 'string', batch1: 'string', batch2: 'string', lr1: 'string', lr2: 'string',
    'all-levels': 'boolean', 'no-augment': 'boolean', 'checkpoint-every': 'string', workers: 'string', resume: 'boolean', 'on-error': 'string', force: 'boolean', 'data-root-only': 'boolean',
  }, { isFile: existsSync, positionals: false });
  if (values.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  // 1. flags
  const ctx = commonFlags(values);
  const data = requiredFlag(values, 'data', 'ROOT (a dataset folder or a jsonl manifest)');
  const modelPath = requiredFlag(values, 'model', 'FILE (CLIP weights)');
  const outArg = requiredFlag(values, 'out', 'DIR');
  let format = choiceFlag(values, 'format', 'auto', ['auto', ...DATASET_FORMATS, 'manifest'] as const);
  if (format === 'manifest') format = 'jsonl';
  const split = choiceFlag(values, 'split', 'train', ['train', 'test', 'all'] as const);
  const onError = choiceFlag(values, 'on-error', 'stop', ['skip', 'stop'] as const);
  const shots = intFlag(values, 'shots', 0, 0, 100_000);
  const sizeArg = sizeFlag(values);
  const stage1Epochs = intFlag(values, 'stage1-epochs', 5, 0, 10_000);
  const stage2Epochs = intFlag(values, 'stage2-epochs', 20, 0, 10_000);
  const batch1 = intFlag(values, 'batch1', 16, 1, 1024);
  const batch2 = intFlag(values, 'batch2', 2, 1, 256);
  const lr1 = numFlag(values, 'lr1', 1e-5, 0, 1, { exclusiveMin: true });
  const lr2 = numFlag(values, 'lr2', 5e-4, 0, 1, { exclusiveMin: true });
  const every = intFlag(values, 'checkpoint-every', 50, 1, 1_000_000);
  const workers = intFlag(values, 'workers', 0, 0, maxWorkers());
  if (values.force && values.resume) throw usage('--force and --resume exclude each other (--force starts over, --resume continues)');
  // 2. files
  requirePath(data, 'dataset');
  requireFile(modelPath, 'model');
  const vocab = values.vocab as string[] | undefined;
  for (const v of vocab ?? []) requireFile(v, 'tokenizer file');
  const peek = peekVision(modelPath);
  if (sizeArg !== undefined && peek) checkSizeForModel(sizeArg, peek.patchSize, basename(modelPath));
  const ignored = vocab?.length ? vocabIgnoredWarning(modelPath) : null;
  if (ignored) ctx.log(`warning: ${ignored}`);
  const outDir = resolve(outArg);
  const ckPath = join(outDir, 'checkpoint.safetensors');
  if (existsSync(ckPath) && !values.resume && !values.force) throw usage(`${ckPath} exists (use --resume to continue or --force to start over)`);
  if (values.resume && !existsSync(ckPath)) throw usage(`--resume but ${ckPath} does not exist`);
  let index;
  try {
    index = await readDataset(data, format as DatasetFormat | 'auto', { dataRootOnly: values['data-root-only'] === true });
  } catch (e) {
    throw new CliError(userMessage(e), e instanceof DatasetLayoutError ? 2 : 1);
  }
  let items: DatasetItem[] = index.items.filter((it) => split === 'all' || it.split === split);
  if (values.classes) {
    const want = new Set(String(values.classes).split(',').map((c) => c.trim()));
    const missing = [...want].filter((c) => !index.classes.includes(c));
    if (missing.length) throw usage(`classes not in the dataset: ${missing.join(', ')} (it has ${index.classes.join(', ')})`);
    items = items.filter((it) => want.has(it.className));
  }
  if (shots > 0) items = sampleKShot(items, shots, ctx.seed, {});
  if (items.length === 0) throw usage(`no ${split} images found in ${data}`);
  const classes = [...new Set(items.map((i) => i.className))].sort();
  // 3. settings: stored in every checkpoint, compared on --resume
  const settings: Settings = {
    model: fileIdentity(modelPath), vocab: (vocab ?? []).map(fileIdentity).join(','), data: canonical(data), format: index.format, split,
    classes: classes.join(','), shots, seed: ctx.seed, size: sizeArg ?? 'native', dataset: (values.dataset as string | undefined) ?? null,
    stage1Epochs, stage2Epochs, batch1, batch2, lr1, lr2, allLevels: values['all-levels'] === true, augment: !values['no-augment'],
  };
  const fp = fingerprint(settings);
  const release = lockOut(outDir, 'train');
  try {
    let resume: AAClipCheckpoint | undefined;
    if (values.resume) {
      resume = await loadCheckpoint(ckPath);
      const stored = resume.extra?.[SETTINGS_KEY];
      let before: { fingerprint?: string; settings?: Settings } = {};
      try {
        before = stored ? (JSON.parse(stored) as typeof before) : {};
      } catch {
        // unreadable: treated as not recorded
      }
      if (before.fingerprint !== fp) {
        throw usage(`--resume: ${ckPath} was trained with other settings (${before.settings ? settingsDiff(before.settings, settings) : 'settings not recorded'}); resume with the same settings, or use --force to start over`);
      }
    }
    await startBackend(ctx);
    await ensureGradients();
    ctx.log(`training on ${items.length} images of ${classes.length} classes (${classes.join(', ')})`);
    return await runTraining({ ctx, items, classes, modelPath, vocab, sizeArg, onError, resume, ckPath, outDir, every, workers, stage1Epochs, stage2Epochs, batch1, batch2, lr1, lr2, values, cliSettings: JSON.stringify({ fingerprint: fp, settings }) });
  } finally {
    release();
  }
}

interface TrainRun {
  ctx: ReturnType<typeof commonFlags>;
  items: DatasetItem[];
  classes: string[];
  modelPath: string;
  vocab: string[] | undefined;
  sizeArg: number | undefined;
  onError: 'skip' | 'stop';
  resume: AAClipCheckpoint | undefined;
  ckPath: string;
  outDir: string;
  every: number;
  workers: number;
  stage1Epochs: number;
  stage2Epochs: number;
  batch1: number;
  batch2: number;
  lr1: number;
  lr2: number;
  values: Record<string, unknown>;
  cliSettings: string;
}

async function runTraining(o: TrainRun): Promise<number> {
  const { ctx, items, classes, onError, resume, ckPath, outDir, every, workers, stage2Epochs, values } = o;
  const bundle = await loadBundle({ model: o.modelPath, vocab: o.vocab });
  if (!bundle.tokenizer) {
    bundle.clip.dispose();
    throw usage('no tokenizer: pass --vocab bpe_simple_vocab_16e6.txt.gz (or the HF tokenizer files)');
  }
  if (o.sizeArg !== undefined) {
    try {
      checkSizeForModel(o.sizeArg, bundle.config.vision.patchSize, basename(o.modelPath));
    } catch (e) {
      bundle.clip.dispose();
      throw e;
    }
  }
  const size = o.sizeArg ?? bundle.config.vision.imageSize;
  const loader = new DatasetLoader(items, { size, onError });
  const skipped: { path: string; reason: string }[] = [];
  const source: TrainingSource = {
    length: items.length,
    get: async (i: number): Promise<TrainingSample> => {
      try {
        const s = await loader.get(i);
        return { image: { width: size, height: size, data: s.rgb }, mask: s.mask, label: s.item.label, className: s.item.className };
      } catch (e) {
        if (onError === 'stop') throw new CliError(`${userMessage(e)} (use --on-error skip to go on)`, 1);
        skipped.push({ path: items[i]!.imagePath, reason: userMessage(e) });
        ctx.log(`warning: skipped ${items[i]!.imagePath}: ${userMessage(e)}`);
        // stand-in: a normal, blank sample of the same class keeps the batch shape
        return { image: { width: size, height: size, data: new Uint8Array(size * size * 3) }, mask: null, label: 0, className: items[i]!.className };
      }
    },
  };
  const model = AAClipModel.create({ clip: bundle.clip, seed: ctx.seed, config: resume?.aaclipConfig });
  let stopRequested = false;
  const onSignal = (sig: string): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    ctx.log(`\n${sig}: saving a checkpoint after this step (again to quit at once)`);
  };
  const sigint = (): void => onSignal('SIGINT');
  const sigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  const bars: Record<number, Progress> = {};
  let pool: TrainingPool | null = null;
  const extra = { [SETTINGS_KEY]: o.cliSettings, ...(bundle.tokenizerConfig ? { [TOKENIZER_METADATA_KEY]: JSON.stringify(bundle.tokenizerConfig) } : {}) };
  const t0 = Date.now();
  try {
    if (workers > 0 && stage2Epochs > 0) {
      pool = await createTrainingPool({ weights: { file: o.modelPath, activation: bundle.config.activation }, model, workers, backend: backendReport()?.active });
      ctx.log(`stage 2 on ${pool.threads} threads`);
    }
    const res = await trainAAClip(model, source, {
      classes,
      tokenizer: bundle.tokenizer,
      prompts: { dataset: values.dataset as string | undefined, onWarning: (w) => ctx.log(`warning: ${userMessage(w.message)}`) },
      seed: ctx.seed,
      resume,
      extra,
      stage1: { epochs: o.stage1Epochs, batchSize: o.batch1, lr: o.lr1, allLevels: values['all-levels'] === true, augment: !values['no-augment'], checkpointEvery: every },
      stage2: {
        epochs: stage2Epochs,
        batchSize: o.batch2,
        lr: o.lr2,
        augment: !values['no-augment'],
        checkpointEvery: every,
        ...(pool ? { stage2Gradients: pool.stage2Gradients } : {}),
      },
      shouldStop: () => stopRequested,
      onStep: (s) => {
        const key = s.stage * 1000 + s.epoch;
        bars[key] ??= new Progress(`stage ${s.stage} epoch ${s.epoch + 1}/${s.epochs}`, s.stepsPerEpoch, { quiet: ctx.quiet });
        bars[key].tick(1, `loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(1)}`);
        if (s.step === s.stepsPerEpoch - 1) bars[key].finish();
      },
      onCheckpoint: async (ck) => saveCheckpoint(ckPath, ck),
    });
    const seconds = (Date.now() - t0) / 1000;
    if (res.stopped) {
      ctx.log(`stopped; checkpoint saved to ${ckPath} (resume with --resume)`);
      if (ctx.json) console.log(JSON.stringify({ stopped: true, checkpoint: ckPath, seconds }));
      return 130;
    }
    const finalPath = join(outDir, 'adapters.safetensors');
    await saveCheckpoint(finalPath, { ...res.checkpoint, training: undefined });
    const summary = { checkpoint: ckPath, adapters: finalPath, classes, images: items.length, skipped, seconds, stage1Losses: res.stage1?.epochLosses ?? [], stage2Losses: res.stage2?.epochLosses ?? [] };
    if (ctx.json) console.log(JSON.stringify(summary));
    else console.log(`done in ${seconds.toFixed(0)} s: ${finalPath}\nstage 1 epoch losses ${summary.stage1Losses.map((l) => l.toFixed(4)).join(' ')}\nstage 2 epoch losses ${summary.stage2Losses.map((l) => l.toFixed(4)).join(' ')}`);
    return 0;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    await pool?.dispose();
    model.dispose();
    bundle.clip.dispose();
  }
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AAClipModel, trainAAClip, type AAClipCheckpoint, type TrainingSample, type TrainingSource } from '@aaclip/core';
import { backendReport, ensureGradients } from '../backend';
import { createTrainingPool, type TrainingPool } from '../train-pool/training-pool';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint-io';
import { parseCliArgs } from '../cli-args';
import { DatasetLoader, readDataset, sampleKShot, type DatasetFormat, type DatasetItem } from '../datasets/index';
import { loadBundle, TOKENIZER_METADATA_KEY } from '../model-bundle';
import { COMMON_HELP, COMMON_OPTIONS, CliError, intOption, numOption, setup } from './common';
import { Progress } from './progress';

export const TRAIN_HELP = `aaclip train --data ROOT --model FILE --out DIR [options]

Trains AA-CLIP: stage 1 (text adapters), then stage 2 (image adapters) against the frozen
stage-1 anchors. Checkpoints go to DIR/checkpoint.safetensors (atomically, every N steps and
at every epoch end, and on Ctrl-C / SIGTERM); the final model to DIR/adapters.safetensors.

  --data ROOT          dataset root or a jsonl manifest
  --format F           mvtec | visa | btad | mpdd | folder | manifest | auto (default auto)
  --split S            train (default) | test | all
  --classes A,B        only these classes
  --shots K            k-shot: K images per class (seeded), 0 = all (default 0)
  --model FILE         CLIP weights (any supported layout)
  --vocab FILE...      CLIP tokenizer files if the model has no tokenizer of its own
  --dataset NAME       class-name table for the prompts (mvtec, visa, ...)
  --out DIR            output folder
  --size N             training size (default: the model's native size; the paper uses 518)
  --stage1-epochs N    default 5          --stage2-epochs N   default 20
  --batch1 N           default 16         --batch2 N          default 2
  --lr1 X              default 1e-5       --lr2 X             default 5e-4
  --all-levels         stage 1 loss over every level (official: last level only)
  --no-augment         no augmentation
  --checkpoint-every N checkpoint every N steps (default 50)
  --workers N          stage 2 on N + 1 threads: each batch split across this thread and N
                       workers, each with its own copy of the vision weights (default 0)
  --resume             continue from DIR/checkpoint.safetensors
  --on-error E         skip | stop (default stop) for unreadable images
  --force              overwrite an existing DIR/checkpoint.safetensors
${COMMON_HELP}`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    data: 'string', format: 'string', split: 'string', classes: 'string', shots: 'string', model: 'string', vocab: 'list', dataset: 'string',
    out: 'string', size: 'string', 'stage1-epochs': 'string', 'stage2-epochs': 'string', batch1: 'string', batch2: 'string', lr1: 'string', lr2: 'string',
    'all-levels': 'boolean', 'no-augment': 'boolean', 'checkpoint-every': 'string', workers: 'string', resume: 'boolean', 'on-error': 'string', force: 'boolean',
  }, { h: 'help' });
  if (values.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  for (const k of ['data', 'model', 'out'] as const) if (!values[k]) throw new CliError(`train: --${k} is required\n\n${TRAIN_HELP}`, 2);
  const outDir = resolve(values.out as string);
  const ckPath = join(outDir, 'checkpoint.safetensors');
  if (existsSync(ckPath) && !values.resume && !values.force) throw new CliError(`train: ${ckPath} exists (use --resume to continue or --force to start over)`, 2);
  if (values.resume && !existsSync(ckPath)) throw new CliError(`train: --resume but ${ckPath} does not exist`, 2);
  const onError = (values['on-error'] as string | undefined) ?? 'stop';
  if (onError !== 'skip' && onError !== 'stop') throw new CliError(`train: --on-error must be skip or stop, got "${onError}"`, 2);
  const ctx = await setup(values);
  await ensureGradients();
  const index = await readDataset(values.data as string, ((values.format as string | undefined) ?? 'auto') as DatasetFormat | 'auto');
  const split = (values.split as string | undefined) ?? 'train';
  let items: DatasetItem[] = index.items.filter((it) => split === 'all' || it.split === split);
  if (values.classes) {
    const want = new Set(String(values.classes).split(',').map((c) => c.trim()));
    const missing = [...want].filter((c) => !index.classes.includes(c));
    if (missing.length) throw new CliError(`train: classes not in the dataset: ${missing.join(', ')} (it has ${index.classes.join(', ')})`, 2);
    items = items.filter((it) => want.has(it.className));
  }
  const shots = intOption(values.shots, 'shots', 0, 0);
  if (shots > 0) items = sampleKShot(items, shots, ctx.seed, {});
  if (items.length === 0) throw new CliError(`train: no ${split} images found in ${values.data}`, 2);
  const classes = [...new Set(items.map((i) => i.className))].sort();
  ctx.log(`training on ${items.length} images of ${classes.length} classes (${classes.join(', ')})`);

  const bundle = await loadBundle({ model: values.model as string, vocab: values.vocab as string[] | undefined });
  if (!bundle.tokenizer) {
    bundle.clip.dispose();
    throw new CliError('train: no tokenizer: pass --vocab bpe_simple_vocab_16e6.txt.gz (or the HF tokenizer files)', 2);
  }
  const size = intOption(values.size, 'size', bundle.config.vision.imageSize, bundle.config.vision.patchSize);
  const loader = new DatasetLoader(items, { size, onError: onError as 'skip' | 'stop' });
  const skipped: { path: string; reason: string }[] = [];
  const source: TrainingSource = {
    length: items.length,
    get: async (i: number): Promise<TrainingSample> => {
      try {
        const s = await loader.get(i);
        return { image: { width: size, height: size, data: s.rgb }, mask: s.mask, label: s.item.label, className: s.item.className };
      } catch (e) {
        if (onError === 'stop') throw e;
        skipped.push({ path: items[i]!.imagePath, reason: (e as Error).message });
        ctx.log(`warning: skipped ${items[i]!.imagePath}: ${(e as Error).message}`);
        // stand-in: a normal, blank sample of the same class keeps the batch shape
        return { image: { width: size, height: size, data: new Uint8Array(size * size * 3) }, mask: null, label: 0, className: items[i]!.className };
      }
    },
  };
  const resume: AAClipCheckpoint | undefined = values.resume ? await loadCheckpoint(ckPath) : undefined;
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
  const every = intOption(values['checkpoint-every'], 'checkpoint-every', 50, 1);
  const workers = intOption(values.workers, 'workers', 0, 0);
  const stage2Epochs = intOption(values['stage2-epochs'], 'stage2-epochs', 20, 0);
  let pool: TrainingPool | null = null;
  const extra = bundle.tokenizerConfig ? { [TOKENIZER_METADATA_KEY]: JSON.stringify(bundle.tokenizerConfig) } : undefined;
  const t0 = Date.now();
  try {
    if (workers > 0 && stage2Epochs > 0) {
      pool = await createTrainingPool({ weights: { file: values.model as string, activation: bundle.config.activation }, model, workers, backend: backendReport()?.active });
      ctx.log(`stage 2 on ${pool.threads} threads`);
    }
    const res = await trainAAClip(model, source, {
      classes,
      tokenizer: bundle.tokenizer,
      prompts: { dataset: values.dataset as string | undefined, onWarning: (w) => ctx.log(`warning: ${w.message}`) },
      seed: ctx.seed,
      resume,
      extra,
      stage1: { epochs: intOption(values['stage1-epochs'], 'stage1-epochs', 5, 0), batchSize: intOption(values.batch1, 'batch1', 16, 1), lr: numOption(values.lr1, 'lr1', 1e-5), allLevels: values['all-levels'] === true, augment: !values['no-augment'], checkpointEvery: every },
      stage2: {
        epochs: stage2Epochs,
        batchSize: intOption(values.batch2, 'batch2', 2, 1),
        lr: numOption(values.lr2, 'lr2', 5e-4),
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

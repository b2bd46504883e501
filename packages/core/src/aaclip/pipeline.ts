import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { AAClipModel } from './aaclip-model';
import { exportAdapterWeightsAsync } from './aaclip-adapters';
import { classTokens, type PromptOptions } from './anchors';
import type { AAClipCheckpoint, TrainingCheckpoint } from './checkpoint';
import type { ClassTokens } from './stage-losses';
import { trainStage, type StageOptions, type StageResult, type TrainingSource } from './trainer';

type StageOverrides = Omit<StageOptions, 'stage' | 'classTokens' | 'anchors' | 'resume' | 'onCheckpoint' | 'shouldStop' | 'onStep' | 'seed'>;

export interface PipelineOptions {
  /** Classes present in the training source (their prompts make the anchors). */
  classes: readonly string[];
  tokenizer: Tokenizer;
  prompts?: PromptOptions;
  seed?: number;
  /** Stage-1 options (official defaults: 5 epochs, batch 16, lr 1e-5). `epochs: 0` skips the stage. */
  stage1?: StageOverrides;
  /** Stage-2 options (official defaults: 20 epochs, batch 2, lr 5e-4, MultiStepLR [16000, 32000] x0.5). */
  stage2?: StageOverrides;
  /** Continue from a checkpoint written by this pipeline. */
  resume?: AAClipCheckpoint;
  onCheckpoint?: (ckpt: AAClipCheckpoint, reason: 'interval' | 'epoch' | 'stop' | 'stage-end') => void | Promise<void>;
  onStep?: (info: { stage: 1 | 2; epoch: number; epochs: number; step: number; stepsPerEpoch: number; loss: number; lr: number }) => void;
  shouldStop?: () => boolean;
  /** Extra metadata for every checkpoint (e.g. the tokenizer description). */
  extra?: Record<string, string>;
}

export interface PipelineResult {
  checkpoint: AAClipCheckpoint;
  stage1: StageResult | null;
  stage2: StageResult | null;
  stopped: boolean;
}

/**
 * Both AA-CLIP stages on one training source, as the official script runs them: stage 1 trains
 * the text adapters, the adapted anchors of every class are then frozen, stage 2 trains the
 * image adapters against them. Every checkpoint carries all adapters, the anchors (once stage 1
 * is done), the configs and the training state, so that training resumes from any of them.
 *
 * @example
 * const { checkpoint } = await trainAAClip(model, source, { classes: ['bottle'], tokenizer, onCheckpoint: save });
 */
export async function trainAAClip(model: AAClipModel, source: TrainingSource, opts: PipelineOptions): Promise<PipelineResult> {
  if (!opts.classes?.length) throw new Error('trainAAClip: `classes` must list the classes of the training source');
  const seed = opts.seed ?? 111;
  const tokens = new Map<string, ClassTokens>();
  for (const c of opts.classes) tokens.set(c, classTokens(opts.tokenizer, c, opts.prompts));
  const anchors = new Map<string, tf.Tensor2D>();
  // read asynchronously: webgpu in Node has no synchronous read
  const checkpoint = async (training?: TrainingCheckpoint): Promise<AAClipCheckpoint> => ({
    clipConfig: model.clip.config,
    aaclipConfig: model.config,
    adapters: await exportAdapterWeightsAsync([...(model.textAdapters?.all() ?? []), ...model.imageAdapters.all()]),
    anchors: new Map(
      await Promise.all([...anchors].map(async ([c, a]): Promise<[string, { shape: number[]; data: Float32Array }]> => [c, { shape: [...a.shape], data: (await a.data()) as Float32Array }])),
    ),
    anchorInfo: { promptSet: typeof opts.prompts?.promptSet === 'object' ? opts.prompts.promptSet : (opts.prompts?.promptSet ?? 'aaclip'), dataset: opts.prompts?.dataset ?? null },
    training,
    extra: opts.extra,
  });
  const resume = opts.resume?.training;
  // restore every adapter from the checkpoint (the stage being resumed also restores its optimiser)
  if (opts.resume) {
    for (const p of [...(model.textAdapters?.all() ?? []), ...model.imageAdapters.all()]) {
      const w = opts.resume.adapters.get(p.key);
      if (!w) continue;
      tf.tidy(() => p.weightT.assign(tf.transpose(tf.tensor2d(w.data, [p.outFeatures, p.inFeatures]))));
    }
  }
  let stage1: StageResult | null = null;
  let stage2: StageResult | null = null;
  try {
    const epochs1 = opts.stage1?.epochs ?? 5;
    if (epochs1 > 0 && (!resume || resume.stage === 1)) {
      stage1 = await trainStage(model, source, {
        batchSize: 16,
        ...opts.stage1,
        stage: 1,
        epochs: epochs1,
        seed,
        classTokens: tokens,
        resume: resume?.stage === 1 ? resume : undefined,
        onStep: (s) => opts.onStep?.({ stage: 1, epochs: epochs1, ...s }),
        onCheckpoint: async (ck, reason) => opts.onCheckpoint?.(await checkpoint(ck), reason),
        shouldStop: opts.shouldStop,
      });
      if (stage1.stopped) return { checkpoint: await checkpoint(), stage1, stage2, stopped: true };
    }
    // frozen anchors for stage 2: from the checkpoint when resuming stage 2, else computed now
    for (const c of opts.classes) {
      const saved = resume?.stage === 2 ? opts.resume!.anchors.get(c) : undefined;
      anchors.set(c, saved ? tf.tensor2d(saved.data, saved.shape as [number, number]) : model.anchorsFromTokens(tokens.get(c)!.normal, tokens.get(c)!.abnormal));
    }
    await opts.onCheckpoint?.(await checkpoint(), 'stage-end');
    const epochs2 = opts.stage2?.epochs ?? 20;
    if (epochs2 > 0) {
      stage2 = await trainStage(model, source, {
        ...opts.stage2,
        stage: 2,
        epochs: epochs2,
        seed,
        anchors,
        resume: resume?.stage === 2 ? resume : undefined,
        onStep: (s) => opts.onStep?.({ stage: 2, epochs: epochs2, ...s }),
        onCheckpoint: async (ck, reason) => opts.onCheckpoint?.(await checkpoint(ck), reason),
        shouldStop: opts.shouldStop,
      });
    }
    return { checkpoint: await checkpoint(), stage1, stage2, stopped: stage2?.stopped ?? false };
  } finally {
    for (const a of anchors.values()) a.dispose();
  }
}

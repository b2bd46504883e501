// The detection heads the CLI runs: AA-CLIP (adapters; the default), MuSc (the frozen CLIP alone,
// scoring a batch of images against each other), and either one with few-shot normal
// references added (--normal DIR / --shots K).
import * as tf from '@tensorflow/tfjs-core';
import {
  combineFewShot,
  createMuscScorer,
  createNormalReferences,
  fewShotClassScores,
  minImagesForMsm,
  type Calibration,
  type ClipConfig,
  type Detection,
  type Domain,
  type FewShotDetection,
  type FewShotMap,
  type NormalReferenceInfo,
  type NormalReferences,
} from '@aaclip/core';
import type { EvalHead } from '../evaluate';
import { createDetector, loadBundle } from '@aaclip/backend-node';

export const METHODS = ['aaclip', 'musc'] as const;
export type Method = (typeof METHODS)[number];

export interface HeadOptions {
  method: Method;
  model: string;
  adapters?: string[];
  vocab?: string[];
  dataset?: string;
  domain: Domain;
  /** MuSc's interval (fraction of the other images, or a count). Default 0.3. */
  topminMax?: number;
  onWarning: (message: string) => void;
}

/** A loaded head: the evaluation's interface plus streaming for whole-batch heads. */
export interface LoadedHead extends EvalHead {
  method: Method;
  config: ClipConfig;
  /** Thresholds stored in the model or adapter file (AA-CLIP only). */
  calibration?: Calibration;
  /** Least images one MuSc batch needs (1 for AA-CLIP). */
  minBatch: number;
  /** Banks known-good images [K, S, S, 3] of a class; detections of the class then add the few-shot map. */
  addNormals(className: string, images: tf.Tensor4D): Promise<NormalReferenceInfo>;
  dispose(): void;
}

/** Loads the head; MuSc reads the vision tower only (no adapters, no tokenizer). */
export async function loadHead(o: HeadOptions): Promise<LoadedHead> {
  let refs: NormalReferences | null = null;
  const withRefs = async (dets: Detection[], images: tf.Tensor4D, className: string): Promise<Detection[]> => {
    if (!refs?.info(className)) return dets;
    const fs: FewShotMap[] = await refs.score(className, images);
    return dets.map((d, i) => combineFewShot(d, fs[i]!));
  };
  const fewShotScores = (dets: readonly Detection[]): Float64Array => fewShotClassScores(dets as readonly FewShotDetection[]);
  if (o.method === 'musc') {
    const bundle = await loadBundle({ model: o.model, visionOnly: true, inferenceOnly: true });
    const clip = bundle.clip;
    const newScorer = () => createMuscScorer({ clip, ...(o.topminMax !== undefined ? { topminMax: o.topminMax } : {}) });
    let musc = newScorer();
    let adding: string | null = null; // the class whose tokens the scorer holds
    refs = null;
    const pendingFs: FewShotMap[] = [];
    const head: LoadedHead = {
      method: 'musc',
      config: bundle.config,
      minBatch: minImagesForMsm(0, o.topminMax ?? 0.3),
      wholeClass: true,
      async detect(images, className) {
        const dets = await musc.scoreBatch(images);
        return withRefs(dets, images, className);
      },
      // the evaluation streams a class: tokens are kept batch by batch, the images themselves are not
      async add(images, className) {
        if (musc.count > 0 && adding !== className) {
          // tokens left by a class whose evaluation failed half-way: start empty
          musc.dispose();
          musc = newScorer();
          pendingFs.length = 0;
        }
        adding = className;
        await musc.add(images);
        if (refs?.info(className)) pendingFs.push(...(await refs.score(className, images)));
      },
      async finish() {
        adding = null;
        const dets = await musc.finish();
        const fs = pendingFs.splice(0);
        return fs.length ? dets.map((d, i) => combineFewShot(d, fs[i]!)) : dets;
      },
      // MuSc's image score is RsCIN's; with references, APRIL-GAN's mix of it and the combined map
      classScores: (dets) => (refs ? fewShotScores(dets) : Float64Array.from(dets, (d) => d.imageScore)),
      async addNormals(className, images) {
        refs ??= createNormalReferences({ clip });
        return refs.addNormalReferences(className, images);
      },
      dispose() {
        refs?.dispose();
        musc.dispose();
        clip.dispose();
      },
    };
    return head;
  }
  const bundle = await createDetector({
    model: o.model,
    adapters: o.adapters,
    vocab: o.vocab,
    prompts: { dataset: o.dataset, onWarning: (w) => o.onWarning(w.message) },
    domain: o.domain,
  });
  const detector = bundle.detector!; // one thread: the core detector (its CLIP serves the few-shot references)
  const head: LoadedHead = {
    method: 'aaclip',
    config: bundle.config,
    calibration: bundle.checkpoint?.calibration,
    minBatch: 1,
    async detect(images, className) {
      const dets = await detector.detect(images, { className, domain: o.domain });
      return withRefs(dets, images, className);
    },
    async addNormals(className, images) {
      refs ??= createNormalReferences({ clip: detector.model.clip });
      head.classScores = fewShotScores;
      return refs.addNormalReferences(className, images);
    },
    dispose() {
      refs?.dispose();
      detector.dispose();
    },
  };
  return head;
}

/** Stacks CLIP-normalised [S, S, 3] images into one [N, S, S, 3] tensor. */
export function stackImages(images: readonly Float32Array[], size: number): tf.Tensor4D {
  const all = new Float32Array(images.length * size * size * 3);
  images.forEach((x, i) => all.set(x, i * size * size * 3));
  return tf.tensor4d(all, [images.length, size, size, 3]); // [N, S, S, 3]
}

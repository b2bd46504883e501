// The two training-free heads on the session's CLIP: few-shot normal references (known-good
// images of a class, added to AA-CLIP's map with combineFewShot) and MuSc (mutual scoring of an
// unlabeled batch). Both use the frozen CLIP of the loaded detector: no second model download.
import { imageToTensor } from '@aaclip/backend-web';
import {
  combineFewShot,
  createMuscScorer,
  createNormalReferences,
  DEFAULT_MUSC_CONFIG,
  minImagesForMsm,
  type Detection,
  type FewShotDetection,
  type MuscDetection,
  type NormalReferenceInfo,
  type NormalReferences,
} from '@aaclip/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice, ModelRequest } from './hook-types';
import type { LoadedImage } from './images';
import type { ActiveDetector, DetectorSession } from './session';

type Model = ModelRequest & { backend: BackendChoice };

/** The smallest batch MuSc scores with its default interval (topmin_max 0.3): 5. */
export const MUSC_MIN_IMAGES = minImagesForMsm(DEFAULT_MUSC_CONFIG.topminMin, DEFAULT_MUSC_CONFIG.topminMax);

/** The message shown (and thrown) for a batch MuSc cannot score. */
export function muscTooFewMessage(n: number): string {
  return `MuSc needs at least ${MUSC_MIN_IMAGES} images of one class (it scores each image against the others of its batch, topmin_max ${DEFAULT_MUSC_CONFIG.topminMax}); the batch has ${n}. Add ${MUSC_MIN_IMAGES - n} more.`;
}

/** The images, preprocessed to the detector's input size, as one batch [N, S, S, 3]. */
async function batchTensor(active: ActiveDetector, images: readonly LoadedImage[]): Promise<tf.Tensor4D> {
  const parts = await Promise.all(images.map((img) => imageToTensor(img.raw, active.detector.imageSize)));
  if (parts.length === 1) return parts[0]!;
  try {
    return tf.concat(parts, 0) as tf.Tensor4D;
  } finally {
    tf.dispose(parts);
  }
}

export interface ReferenceRun {
  detection: FewShotDetection;
  /** AA-CLIP's detection alone (its `score` is the zero-shot score). */
  zeroShot: Detection;
  info: NormalReferenceInfo;
  active: ActiveDetector;
  detectMs: number;
}

/**
 * The page's banks of normal references, tied to the session's current detector (a new backend
 * or model starts empty banks: the tokens of another CLIP do not compare).
 */
export class ReferenceBanks {
  private owner: ActiveDetector['detector'] | null = null;
  private refs: NormalReferences | null = null;

  constructor(private readonly session: DetectorSession) {}

  private async bank(model: Model): Promise<{ active: ActiveDetector; refs: NormalReferences }> {
    const active = await this.session.get(model);
    if (this.owner !== active.detector || !this.refs) {
      this.refs?.dispose();
      this.refs = createNormalReferences({ clip: active.detector.detector.model.clip });
      this.owner = active.detector;
    }
    return { active, refs: this.refs };
  }

  /** What the bank of `className` holds on the current detector, or undefined. */
  info(className: string): NormalReferenceInfo | undefined {
    return this.refs?.info(className.trim());
  }

  /**
   * Adds known-good images of `className` to its bank (`replace`: forget the old bank first).
   *
   * @example const { info } = await banks.add({ backend: 'wasm' }, goodImages, 'carpet');
   */
  async add(model: Model, images: readonly LoadedImage[], className: string, replace = false): Promise<{ info: NormalReferenceInfo; active: ActiveDetector; addMs: number }> {
    const c = className.trim();
    if (c === '') throw new Error('Type the class name of the good images first.');
    if (images.length === 0) throw new Error(`No good images to add for "${c}": drop, pick or generate at least one known-good image.`);
    const { active, refs } = await this.bank(model);
    if (replace) refs.clear(c);
    const t0 = performance.now();
    const x = await batchTensor(active, images);
    try {
      const info = await refs.addNormalReferences(c, x);
      return { info, active, addMs: performance.now() - t0 };
    } finally {
      x.dispose();
    }
  }

  /**
   * AA-CLIP's detection of one image with the class's references added (M = M_zs + M_fs; score
   * 1/2 (image score + max M), this image alone).
   */
  async detect(model: Model, image: LoadedImage, className: string, domain: 'industrial' | 'medical' = 'industrial'): Promise<ReferenceRun> {
    const c = className.trim();
    if (c === '') throw new Error('Type the class name first.');
    const { active, refs } = await this.bank(model);
    const info = refs.info(c);
    if (!info) throw new Error(`No good images for class "${c}" yet (classes with references: ${refs.classes.join(', ') || 'none'}): add a few known-good images first.`);
    const t0 = performance.now();
    const x = await batchTensor(active, [image]);
    try {
      const [zs] = await active.detector.detect(x, { className: c, domain });
      const [fs] = await refs.score(c, x);
      return { detection: combineFewShot(zs!, fs!), zeroShot: zs!, info, active, detectMs: performance.now() - t0 };
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    this.refs?.dispose();
    this.refs = null;
    this.owner = null;
  }
}

/**
 * MuSc on an unlabeled batch of one class (at least {@link MUSC_MIN_IMAGES} images), on the
 * session detector's frozen CLIP. Results are in input order.
 *
 * @example const { results } = await muscBatch(session, { backend: 'wasm' }, images);
 */
export async function muscBatch(session: DetectorSession, model: Model, images: readonly LoadedImage[], onProgress?: (done: number, total: number) => void): Promise<{ results: MuscDetection[]; active: ActiveDetector; detectMs: number }> {
  if (images.length < MUSC_MIN_IMAGES) throw new Error(muscTooFewMessage(images.length));
  const active = await session.get(model);
  const scorer = createMuscScorer({ clip: active.detector.detector.model.clip }); // the CLIP stays the detector's
  const t0 = performance.now();
  const x = await batchTensor(active, images);
  try {
    const results = await scorer.scoreBatch(x, { onProgress });
    return { results, active, detectMs: performance.now() - t0 };
  } finally {
    x.dispose();
    scorer.dispose();
  }
}

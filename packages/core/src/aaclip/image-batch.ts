/**
 * Detector input: the one place where images become a model batch. Decoded images are resized
 * (PIL-exact bicubic) and CLIP-normalised to the model's input size, then stacked
 * [B, S, S, 3]; a tensor batch is taken as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { preprocessImage } from '../image/preprocess';
import { assertRawImage, type RawImage } from '../image/raw-image';

/**
 * What a core detector's `detect` takes: a tensor batch [B, S, S, 3], one decoded image, a list
 * of them, or a list of preprocessed images (`preprocessImage` output: CLIP-normalised
 * [S, S, 3] Float32Arrays of one size).
 */
export type DetectorImages = tf.Tensor4D | RawImage | readonly RawImage[] | readonly Float32Array[];

/** A preprocessed batch as plain data (what crosses to a worker thread). */
export interface ImageBatchData {
  /** [batch, size, size, 3] NHWC float32, row-major */
  data: Float32Array;
  batch: number;
  size: number;
}

/** True for a `RawImage`-shaped object (plain pixel data with its size). */
export function isRawImage(v: unknown): v is RawImage {
  return typeof v === 'object' && v !== null && !(v instanceof tf.Tensor) && 'channels' in v && 'data' in v && 'width' in v && 'height' in v;
}

/** Checks a batch shape [B, S, S, 3]; errors say what `detect` expected. */
export function checkBatchShape(shape: readonly number[] | undefined): { batch: number; size: number } {
  if (!shape || shape.length !== 4 || shape[3] !== 3) throw new Error(`detect: images must be NHWC [B, S, S, 3], got shape [${shape ?? ''}]`);
  const [B, S, S2] = shape as [number, number, number, number];
  if (B === 0 || S === 0) throw new Error(`detect: empty batch or zero-size images, shape [${shape}]`);
  if (S !== S2) throw new Error(`detect: images must be square, got ${S} x ${S2}`);
  return { batch: B, size: S };
}

/**
 * Decoded images as one preprocessed batch at `size` (each resized and normalised like
 * `preprocessImage`). The images are not modified.
 *
 * @example const { data, batch } = preprocessBatch([a, b], 518); // data: [2, 518, 518, 3]
 */
export function preprocessBatch(images: RawImage | readonly RawImage[], size: number): ImageBatchData {
  const list: readonly RawImage[] = Array.isArray(images) ? images : [images as RawImage];
  if (list.length === 0) throw new Error('detect: empty batch (no images)');
  const per = size * size * 3;
  const data = new Float32Array(list.length * per);
  list.forEach((img, i) => {
    assertRawImage(img, `detect: image ${i}`);
    data.set(preprocessImage(img, size), i * per);
  });
  return { data, batch: list.length, size };
}

/**
 * Preprocessed images ([S, S, 3] Float32Arrays of one size) stacked into one batch; errors say
 * which image is wrong.
 */
export function stackPreprocessed(list: readonly Float32Array[]): ImageBatchData {
  if (list.length === 0) throw new Error('detect: empty batch (no images)');
  const len = list[0]!.length;
  const size = Math.round(Math.sqrt(len / 3));
  list.forEach((a, i) => {
    if (!(a instanceof Float32Array)) throw new Error(`detect: image ${i} is not a Float32Array (CLIP-normalised NHWC float32)`);
    if (a.length !== len || size * size * 3 !== len || size === 0) throw new Error(`detect: image ${i} has ${a.length} values; every image must be S*S*3 values of the same S`);
  });
  const data = new Float32Array(list.length * len); // [B, S, S, 3]
  list.forEach((a, i) => data.set(a, i * len));
  return { data, batch: list.length, size };
}

/**
 * The model batch of `images`: a tensor as given (`owned` false), or decoded / preprocessed
 * images in a new tensor the caller disposes (`owned` true), decoded ones resized to `size`.
 */
export function imagesToTensor(images: DetectorImages, size: number): { tensor: tf.Tensor4D; owned: boolean } {
  if (images instanceof tf.Tensor) return { tensor: images, owned: false };
  if (Array.isArray(images) && images.length > 0 && images.every((i) => i instanceof Float32Array)) {
    const b = stackPreprocessed(images as readonly Float32Array[]);
    return { tensor: tf.tensor4d(b.data, [b.batch, b.size, b.size, 3], 'float32'), owned: true };
  }
  if (isRawImage(images) || Array.isArray(images)) {
    const b = preprocessBatch(images as RawImage | readonly RawImage[], size);
    return { tensor: tf.tensor4d(b.data, [b.batch, size, size, 3], 'float32'), owned: true };
  }
  const shape = (images as { shape?: unknown } | null)?.shape;
  throw new Error(`detect: images must be NHWC [B, S, S, 3] (a tensor), a decoded image (RawImage), a list of them or of preprocessed Float32Arrays, got ${images === null ? 'null' : Array.isArray(shape) ? `shape [${shape}]` : typeof images}`);
}

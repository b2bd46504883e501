// Streaming, on-demand decoding of dataset items into model inputs.
import { normalizeClip, preprocessMask, resizeBicubicPil, toRgb, type RawImage } from '@aaclip/core';
import { decodeImageFile } from '@aaclip/backend-node';
import { seededRandom } from './kshot';
import type { DatasetItem } from './types';

/**
 * The first pixel of a 3- or 4-channel image whose colour channels differ, or undefined. A
 * mask stored as RGB (a palette of black and white, say) has equal channels everywhere; an
 * image given as a mask by mistake does not, and would be binarised on its red channel.
 */
function colourPixel(img: RawImage): { x: number; y: number; value: string } | undefined {
  const { channels, data, width } = img;
  if (channels < 3) return undefined;
  for (let p = 0, n = img.width * img.height; p < n; p++) {
    const r = data[p * channels]!;
    const g = data[p * channels + 1]!;
    const b = data[p * channels + 2]!;
    if (r !== g || g !== b) return { x: p % width, y: Math.floor(p / width), value: `RGB ${r}, ${g}, ${b}` };
  }
  return undefined;
}

/** Options of {@link DatasetLoader}. */
export interface DatasetLoaderOptions {
  /** Output side in pixels (images and masks are resized to size x size). */
  size: number;
  /** Items decoded at once while iterating batches (default 4). */
  concurrency?: number;
  /** In {@link DatasetLoader.batches}: 'stop' (default) rethrows the first failure; 'skip' records it and goes on. */
  onError?: 'skip' | 'stop';
}

/** One decoded item. */
export interface LoadedSample {
  /** CLIP-normalised image, [size, size, 3] float32 (HWC). */
  image: Float32Array;
  /** The same image resized (bicubic) to [size, size, 3] 8-bit RGB, for augmentation / overlays. */
  rgb: Uint8Array;
  /** Binarised ground truth, [size, size] of 0/1, or null when the item has no mask. */
  mask: Uint8Array | null;
  item: DatasetItem;
  /** Position of the item in the loader. */
  index: number;
}

/** A batch of B samples, stacked. */
export interface DatasetBatch {
  /** B. */
  size: number;
  /** [B, S, S, 3] float32, CLIP-normalised. */
  images: Float32Array;
  /** [B, S, S, 3] 8-bit RGB. */
  rgb: Uint8Array;
  /** [B, S, S] 0/1; all zeros for samples without a mask (see `hasMask`). */
  masks: Uint8Array;
  /** [B]: 1 where the sample had a mask. */
  hasMask: Uint8Array;
  /** [B] labels, 0 = normal, 1 = anomalous. */
  labels: Int32Array;
  items: DatasetItem[];
  /** Loader positions of the samples. */
  indices: number[];
}

/** An item skipped by `onError: 'skip'`. */
export interface SkippedItem {
  index: number;
  item: DatasetItem;
  reason: string;
}

/** Loading one item failed: missing or undecodable file, or a mask whose size differs from its image. */
export class DatasetLoadError extends Error {
  override readonly name = 'DatasetLoadError';
  constructor(
    message: string,
    /** The file the problem is about. */
    readonly path: string,
    /** Position of the item in the loader. */
    readonly index: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function checkItems(items: readonly DatasetItem[]): void {
  if (!Array.isArray(items)) throw new TypeError(`DatasetLoader: items must be an array, got ${typeof items}`);
  items.forEach((it, i) => {
    if (typeof it !== 'object' || it === null) throw new TypeError(`DatasetLoader: items[${i}] must be an object, got ${JSON.stringify(it)}`);
    if (typeof it.imagePath !== 'string' || it.imagePath === '') {
      throw new TypeError(`DatasetLoader: items[${i}].imagePath must be a non-empty string, got ${JSON.stringify(it.imagePath)}`);
    }
    if (it.label !== 0 && it.label !== 1) {
      throw new RangeError(`DatasetLoader: items[${i}].label must be 0 or 1, got ${JSON.stringify(it.label)} (${it.imagePath})`);
    }
    if (it.maskPath !== null && (typeof it.maskPath !== 'string' || it.maskPath === '')) {
      throw new TypeError(`DatasetLoader: items[${i}].maskPath must be null or a non-empty string, got ${JSON.stringify(it.maskPath)} (${it.imagePath})`);
    }
  });
}

type Settled = { ok: true; value: LoadedSample } | { ok: false; error: unknown; index: number };

/**
 * Loads dataset items on demand: nothing is decoded until asked for, and {@link batches}
 * keeps at most `concurrency` decodes in flight plus one batch in memory.
 *
 * @example
 * const loader = new DatasetLoader(index.items, { size: 518, onError: 'skip' });
 * for await (const batch of loader.batches(8)) {
 *   const x = tf.tensor4d(batch.images, [batch.size, 518, 518, 3]);
 *   // ...
 * }
 * console.log(loader.skipped); // items that could not be loaded, with reasons
 */
export class DatasetLoader {
  readonly items: readonly DatasetItem[];
  readonly size: number;
  readonly concurrency: number;
  readonly onError: 'skip' | 'stop';
  private skippedList: SkippedItem[] = [];

  constructor(items: readonly DatasetItem[], opts: DatasetLoaderOptions) {
    checkItems(items);
    if (typeof opts !== 'object' || opts === null) throw new TypeError('DatasetLoader: options { size } are required');
    const { size, concurrency = 4, onError = 'stop' } = opts;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`DatasetLoader: size must be a positive integer, got ${size}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`DatasetLoader: concurrency must be a positive integer, got ${concurrency}`);
    }
    if (onError !== 'skip' && onError !== 'stop') {
      throw new RangeError(`DatasetLoader: onError must be 'skip' or 'stop', got ${JSON.stringify(onError)}`);
    }
    this.items = items.slice();
    this.size = size;
    this.concurrency = concurrency;
    this.onError = onError;
  }

  /** Number of items. */
  get length(): number {
    return this.items.length;
  }

  /** Items skipped (with reasons) by the latest {@link batches} pass under `onError: 'skip'`. */
  get skipped(): readonly SkippedItem[] {
    return this.skippedList;
  }

  private async decode(path: string, what: 'image' | 'mask', index: number): Promise<RawImage> {
    const item = this.items[index];
    try {
      return await decodeImageFile(path, { what });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const where = `item ${index}, class ${item.className}${what === 'mask' ? `, image ${item.imagePath}` : ''}`;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new DatasetLoadError(`${what} file not found: ${path} (${where})`, path, index, { cause: e });
      }
      const msg = e instanceof Error ? e.message : String(e);
      throw new DatasetLoadError(`cannot read ${what} file ${path} (${where}): ${msg}`, path, index, { cause: e });
    }
  }

  /**
   * Decodes item `i`: image -> RGB -> bicubic resize -> CLIP normalisation; mask -> nearest
   * resize -> 0/1. A mask must have its image's width and height.
   *
   * @throws DatasetLoadError naming the file for a missing / undecodable file or a size mismatch.
   * @example
   * const { image, rgb, mask } = await loader.get(0);
   */
  async get(i: number): Promise<LoadedSample> {
    if (!Number.isInteger(i) || i < 0 || i >= this.items.length) {
      throw new RangeError(`DatasetLoader.get: index must be an integer in [0, ${this.items.length}), got ${i}`);
    }
    const item = this.items[i];
    const S = this.size;
    const img = await this.decode(item.imagePath, 'image', i);
    const resized = resizeBicubicPil(toRgb(img), S, S);
    const image = normalizeClip(resized);
    let mask: Uint8Array | null = null;
    if (item.maskPath !== null) {
      const m = await this.decode(item.maskPath, 'mask', i);
      if (m.width !== img.width || m.height !== img.height) {
        throw new DatasetLoadError(
          `mask ${item.maskPath} is ${m.width}x${m.height} but its image ${item.imagePath} is ${img.width}x${img.height} (item ${i})`,
          item.maskPath,
          i,
        );
      }
      const colour = colourPixel(m);
      if (colour !== undefined) {
        throw new DatasetLoadError(
          `mask ${item.maskPath} is a colour image (pixel ${colour.x}, ${colour.y} is ${colour.value}), not a mask: a mask is grayscale, ` +
            `0 for normal and non-zero for anomalous pixels (item ${i}, image ${item.imagePath})`,
          item.maskPath,
          i,
        );
      }
      mask = preprocessMask(m, S);
    }
    return { image, rgb: resized.data, mask, item, index: i };
  }

  /** Stacks samples into one {@link DatasetBatch}. */
  private stack(samples: LoadedSample[]): DatasetBatch {
    const B = samples.length;
    const px = this.size * this.size;
    const batch: DatasetBatch = {
      size: B,
      images: new Float32Array(B * px * 3),
      rgb: new Uint8Array(B * px * 3),
      masks: new Uint8Array(B * px),
      hasMask: new Uint8Array(B),
      labels: new Int32Array(B),
      items: samples.map((s) => s.item),
      indices: samples.map((s) => s.index),
    };
    samples.forEach((s, b) => {
      batch.images.set(s.image, b * px * 3);
      batch.rgb.set(s.rgb, b * px * 3);
      if (s.mask !== null) {
        batch.masks.set(s.mask, b * px);
        batch.hasMask[b] = 1;
      }
      batch.labels[b] = s.item.label;
    });
    return batch;
  }

  /**
   * Iterates the items in stacked batches of `batchSize` (the last one may be smaller unless
   * `dropLast`). With `shuffleSeed` the order is a seeded permutation (same seed, same order).
   * Under `onError: 'skip'` failing items are left out (batches are refilled from later
   * items) and listed in {@link skipped}; under 'stop' the first failure is thrown.
   *
   * @example
   * for await (const b of loader.batches(16, { shuffleSeed: epoch })) train(b);
   */
  async *batches(batchSize: number, opts: { shuffleSeed?: number; dropLast?: boolean } = {}): AsyncGenerator<DatasetBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DatasetLoader.batches: batchSize must be a positive integer, got ${batchSize}`);
    }
    const order = this.items.map((_, i) => i);
    if (opts.shuffleSeed !== undefined) {
      if (!Number.isInteger(opts.shuffleSeed)) {
        throw new RangeError(`DatasetLoader.batches: shuffleSeed must be an integer, got ${opts.shuffleSeed}`);
      }
      const rand = seededRandom(opts.shuffleSeed);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    this.skippedList = [];
    const queue: Promise<Settled>[] = [];
    let next = 0;
    const fill = (): void => {
      while (queue.length < this.concurrency && next < order.length) {
        const index = order[next++];
        queue.push(this.get(index).then((value) => ({ ok: true, value }), (error: unknown) => ({ ok: false, error, index })));
      }
    };
    fill();
    let current: LoadedSample[] = [];
    while (queue.length > 0) {
      const r = await queue.shift()!;
      fill();
      if (!r.ok) {
        if (this.onError === 'stop') throw r.error;
        const reason = r.error instanceof Error ? r.error.message : String(r.error);
        this.skippedList.push({ index: r.index, item: this.items[r.index], reason });
        continue;
      }
      current.push(r.value);
      if (current.length === batchSize) {
        yield this.stack(current);
        current = [];
      }
    }
    if (current.length > 0 && !opts.dropLast) yield this.stack(current);
  }
}

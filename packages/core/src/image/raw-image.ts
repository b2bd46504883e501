/**
 * A decoded image: `height` rows of `width` pixels, each pixel `channels` interleaved
 * samples (HWC order, row-major, no padding).
 *
 * Channel layouts: 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA.
 * Sample types: `Uint8Array` (0..255), `Uint16Array` (0..65535, 16-bit files) or
 * `Float32Array` (nominally 0..1).
 *
 * @example
 * const img: RawImage = { width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 0, 0, 0, 255]) };
 */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint16Array | Float32Array;
}

/** A {@link RawImage} whose samples are 8-bit. */
export interface RawImage8 extends RawImage {
  data: Uint8Array;
}

/**
 * Checks that `img` is a well-formed {@link RawImage} (positive integer size, 1..4 channels,
 * a typed array of exactly width * height * channels samples) and throws a `TypeError`
 * or `RangeError` naming `what` otherwise.
 *
 * @example
 * assertRawImage({ width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, 'mask');
 */
export function assertRawImage(img: RawImage, what = 'image'): void {
  if (img === null || typeof img !== 'object') {
    throw new TypeError(`${what}: expected a RawImage object, got ${img === null ? 'null' : typeof img}`);
  }
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width} x ${height}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new RangeError(`${what}: channels must be 1, 2, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array)) {
    const name = (data as unknown as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof data;
    throw new TypeError(`${what}: data must be a Uint8Array, Uint16Array or Float32Array, got ${name}`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new RangeError(
      `${what}: data has ${data.length} samples, expected ${expected} (${width} x ${height} x ${channels})`,
    );
  }
}

/**
 * Like {@link assertRawImage}, and also requires 8-bit samples (`Uint8Array`).
 *
 * @example
 * assertRawImage8(img, 'input'); // throws for a 16-bit image
 */
export function assertRawImage8(img: RawImage, what = 'image'): asserts img is RawImage8 {
  assertRawImage(img, what);
  if (!(img.data instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected 8-bit samples (Uint8Array), got ${img.data.constructor.name}; convert with toRgb() first`);
  }
}

/** Throws a `RangeError` unless `value` is a positive integer. */
export function assertPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${what} must be a positive integer, got ${String(value)}`);
  }
}

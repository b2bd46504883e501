// Full preprocessing of one image / mask, as the official AA-CLIP data pipeline does with PIL.
import { maskToBinary, toRgb } from './convert';
import { normalizeClip } from './normalize';
import { assertPositiveInt, type RawImage } from './raw-image';
import { resizeBicubicPil } from './resize-bicubic';
import { resizeNearestPil } from './resize-nearest';

/**
 * Model input for one image: {@link toRgb} -> {@link resizeBicubicPil} to size x size ->
 * {@link normalizeClip} with CLIP's mean/std. Result is [size, size, 3] float32 (HWC).
 *
 * @param img decoded image (any channel layout / sample type).
 * @param size output side in pixels (e.g. 336 for ViT-L-14-336, 518 for AA-CLIP's default).
 * @example
 * const x = preprocessImage(img, 336); // Float32Array(336 * 336 * 3)
 */
export function preprocessImage(img: RawImage, size: number): Float32Array {
  assertPositiveInt(size, 'preprocessImage: size');
  return normalizeClip(resizeBicubicPil(toRgb(img), size, size));
}

/**
 * Ground-truth mask for one image: Pillow NEAREST resize to size x size, then 1 where the
 * first channel is non-zero. Result is [size * size] bytes of 0/1, row-major.
 *
 * @example
 * const m = preprocessMask(maskImg, 336); // Uint8Array(336 * 336)
 */
export function preprocessMask(img: RawImage, size: number): Uint8Array {
  assertPositiveInt(size, 'preprocessMask: size');
  return maskToBinary(resizeNearestPil(img, size, size));
}

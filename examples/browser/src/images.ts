// Images for the app: files, URLs, base64 bytes, or generated textures with a synthetic defect.
import { imageToRawImage } from '@aaclip/backend-web';
import { type RawImage } from '@aaclip/core';
import { addDefect, DEFECT_KINDS, generateTexture, TEXTURE_FAMILIES, type DefectKind, type TextureFamily } from '@aaclip/synthetic';
import type { GeneratedImage, ImageRequest } from './hook-types';

/** A decoded image, with the true defect mask when it was generated. */
export interface LoadedImage {
  raw: RawImage;
  /** `width * height` bytes, 1 = defect; only for generated images. */
  mask: Uint8Array | null;
  /** Short description for the page. */
  label: string;
}

/**
 * A texture of `family` with one defect of kind `defect` (or none: `defect: 'none'`), `size`
 * pixels square (deterministic in `seed`).
 *
 * @example const { raw, mask } = generatedImage({ family: 'carpet', defect: 'stain', seed: 7, size: 128 });
 */
export function generatedImage(g: GeneratedImage): LoadedImage {
  if (!(TEXTURE_FAMILIES as readonly string[]).includes(g.family)) throw new Error(`unknown texture family ${JSON.stringify(g.family)} (expected ${TEXTURE_FAMILIES.join(', ')})`);
  if (g.defect === 'none') return { raw: generateTexture(g.family as TextureFamily, g.size, g.seed), mask: null, label: `generated ${g.family} texture, no defect (seed ${g.seed})` };
  if (!(DEFECT_KINDS as readonly string[]).includes(g.defect)) throw new Error(`unknown defect kind ${JSON.stringify(g.defect)} (expected none, ${DEFECT_KINDS.join(', ')})`);
  const { image, mask } = addDefect(generateTexture(g.family as TextureFamily, g.size, g.seed), g.defect as DefectKind, g.seed);
  return { raw: image, mask, label: `generated ${g.family} texture, ${g.defect} defect (seed ${g.seed})` };
}

/** Decodes a file or blob (PNG, JPEG, WebP, ...) without colour-space conversion. */
export async function blobImage(blob: Blob, label: string): Promise<LoadedImage> {
  return { raw: await imageToRawImage(blob), mask: null, label };
}

function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Loads the image of a hook request. */
export async function requestedImage(req: ImageRequest): Promise<LoadedImage> {
  if ('generate' in req) return generatedImage(req.generate);
  if ('base64' in req) return blobImage(new Blob([base64Bytes(req.base64)], { type: req.type ?? 'image/png' }), 'image from the hook');
  if ('url' in req) {
    const res = await fetch(req.url);
    if (!res.ok) throw new Error(`image ${req.url}: HTTP ${res.status} ${res.statusText}`);
    return blobImage(await res.blob(), req.url);
  }
  throw new Error(`image request needs base64, url or generate, got keys ${Object.keys(req as object).join(', ')}`);
}

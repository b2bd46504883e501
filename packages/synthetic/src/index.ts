/*
 * Synthetic industrial textures with exact defect masks (deterministic in a seed).
 */

export { TEXTURE_FAMILIES, generateTexture } from './texture';
export type { TextureFamily } from './texture';
export { DEFECT_KINDS } from './defects';
export type { DefectKind } from './defects';
export { addDefect } from './add-defect';
export { generateSample, generateDataset } from './sample';
export type { SyntheticSample, GenerateSampleOptions, GenerateDatasetOptions } from './sample';
export { overlayMaskOutline } from './mask-outline';

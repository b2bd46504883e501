// Dataset readers (MVTec AD, VisA, BTAD, MPDD, generic folders, AA-CLIP jsonl manifests),
// manifest writing, k-shot sampling and the streaming loader.
export { DATASET_FORMATS, DatasetLayoutError } from './types';
export type { DatasetFormat, DatasetIndex, DatasetItem, DatasetSplit, ReaderOptions } from './types';
export { readMvtec, readMpdd } from './mvtec';
export { readVisa, parseCsv } from './visa';
export type { VisaOptions } from './visa';
export { readBtad } from './btad';
export { readFolder } from './folder';
export type { FolderOptions } from './folder';
export { readManifest, parseManifest, formatManifest, writeManifest, ManifestError, MAX_MANIFEST_LINE } from './manifest';
export type { ManifestErrorCode } from './manifest';
export type { ReadManifestOptions, WriteManifestOptions } from './manifest';
export { detectDatasetFormat, readDataset, indexDataset, MPDD_CLASSES } from './detect';
export type { ReadDatasetOptions, IndexDatasetOptions } from './detect';
export { sampleKShot, seededRandom } from './kshot';
export type { KShotOptions } from './kshot';
export { DatasetLoader, DatasetLoadError } from './loader';
export type { DatasetBatch, DatasetLoaderOptions, LoadedSample, SkippedItem } from './loader';

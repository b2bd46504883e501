// Models by name from the Hugging Face Hub, cached in huggingface_hub's layout (docs/hub.md).
export { hubDownload, urlDownload, stderrProgress } from './hub-download';
export { resolveModelReferences, resolveBundleReferences } from './resolve-references';
export type { ModelReferences, ResolvedModelFiles } from './resolve-references';
export { hubCacheDir } from './hub-options';
export type { DownloadProgress, HubOptions } from './hub-options';
export { ChecksumError, DiskFullError, HubHttpError, HubOfflineError } from './hub-errors';
export { scanCache } from './cache-scan';
export type { CachedRepo, CachedFile } from './cache-scan';

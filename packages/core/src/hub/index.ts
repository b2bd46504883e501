// Model references (local path, URL, hf:owner/name[@revision][/file], aliases), Hub URLs and file choice. Pure.
export { CLIP_ALIASES, DEFAULT_HUB_REVISION, MODEL_REF_FORMS, ModelRefError, formatHubReference, isCommitHash, isHubReference, parseHubReference, parseModelRef } from './model-ref';
export type { HubModelRef, ModelRef } from './model-ref';
export { DEFAULT_HUB_ENDPOINT, hubFileUrl, hubRefFromUrl, hubRevisionApiUrl } from './hub-url';
export {
  AACLIP_BUNDLE_FILES,
  CLIP_WEIGHT_FILES,
  TOKENIZER_FILE_SETS,
  chooseAdapterFiles,
  chooseTokenizerFiles,
  chooseWeightFile,
  defaultHubFile,
  formatAAClipCard,
  parseAAClipCard,
  shardFilesOfIndex,
} from './hub-files';
export type { AAClipCard, HubFileRole } from './hub-files';
export { resolveReferenceUrl } from './resolve-url';

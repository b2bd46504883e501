/**
 * @aaclip/backend-node/tools: the building blocks that command-line programs and servers built
 * on this runtime share (the `aaclip` CLI of @aaclip/cli uses them): output-folder locks and
 * temporary files, a terminal progress bar, and the pieces of the Hugging Face cache that
 * `aaclip cache` inspects. Library users need only `@aaclip/backend-node`.
 */
export { LOCK_FILE, lockOutputDir, OutputLockedError, removeStaleTemps, tempPathFor, writeFileAtomic } from './fs-utils';
export { Progress } from './progress';
export { digestOfEtag, hashFile, repoFolderName, stampVerified } from './hub/cache-layout';
export { scanRepo } from './hub/cache-scan';
export { formatBytes } from './hub/hub-errors';
export { settingsWithProgress } from './hub/hub-download';
export { isRemoteReference, resolveAdapterRefs, resolveModelRef, resolveVocabRefs } from './hub/resolve-references';

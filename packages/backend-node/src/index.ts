/**
 * @aaclip/backend-node: the Node.js runtime of AA-CLIP. Picks the fastest tfjs backend available
 * (CUDA, native CPU, wasm, cpu), loads weights, checkpoints and images from files and the Hub,
 * runs detection and training pools. The `aaclip` command line lives in @aaclip/cli.
 *
 * @example
 * import { useBackend, loadClip, loadAdapters } from '@aaclip/backend-node';
 * await useBackend();
 */
export const VERSION = '0.1.0';
export { useBackend, backendReport, formatBackendReport, ensureGradients, NODE_BACKEND_ORDER } from './backend';
export type { BackendReport, NodeBackendName } from './backend';
export { writeFileAtomic } from './fs-utils';
export { readWeightFile, loadClip, loadAdapters, sniffWeightFormat, openSafetensorsFile } from './weights-io';
export type { LoadClipOptions, WeightFileFormat } from './weights-io';
export {
  decodeImage,
  decodeImageFile,
  encodePng,
  writePngAtomic,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_MAX_IMAGE_SIDE,
  DEFAULT_MAX_IMAGE_ASPECT_RATIO,
  DEFAULT_MAX_IMAGE_FILE_BYTES,
  DECODABLE_IMAGE_FORMATS,
} from './image-io';
export type { DecodeImageOptions, DecodeImageFileOptions } from './image-io';
export { InputFileError, readInputFile } from './input-file';
export type { InputFileErrorCode, InputFileOptions } from './input-file';
export { explainFsError } from './fs-errors';
export { runParity, formatParityTable, encodeParityOutputs } from './parity';
export type { ParityOptions, ParityResult, ParityRow } from './parity';
export { saveCheckpoint, loadCheckpoint } from './checkpoint-io';
/**
 * The one way into detection: a model bundle in, the one `Detector` out (a pool behind the same
 * interface with `workers > 1`); images as file paths, decoded images or a tensor batch.
 *
 * @example
 * const det = await createDetector({ model: demoModelPath() });
 * const [r] = await det.detect('examples/images/carpet-hole.png', { className: 'carpet' });
 * await det.dispose();
 */
export { createDetector } from './create-detector';
export type { CreateDetectorOptions, NodeDetector, NodeImages, NodeDevice } from './create-detector';
// loadDetector: deprecated thin wrapper (use createDetector)
export { loadBundle, loadDetector, TOKENIZER_METADATA_KEY } from './model-bundle';
export { demoModelPath } from './demo-model';
/**
 * Detection on several cores: worker threads, each with its own wasm backend and its own copy
 * of the vision weights (streamed from the file by the worker), a batch split across them, the
 * same results as one Detector.
 *
 * @example
 * const pool = await createDetectorPool({ model: 'vitl14-336.safetensors', adapters: ['adapters.safetensors'], vocab: ['bpe_simple_vocab_16e6.txt.gz'] });
 * const results = await pool.detect(images, 'bottle'); // images: Float32Array[] (preprocessImage output)
 * await pool.dispose();
 */
export { createDetectorPool, DetectorPool } from './pool/detector-pool';
export type { DetectorPoolOptions, PoolImages, PoolPromptOptions, AnchorData } from './pool/detector-pool';
/**
 * Stage-2 training on several cores: each batch split across this thread and worker threads
 * (each with its own copy of the frozen vision tower), the gradients combined exactly.
 *
 * @example
 * const pool = await createTrainingPool({ weights: { file: 'vitl14-336.safetensors' }, model, workers: 1 });
 * await trainStage(model, source, { stage: 2, anchors, stage2Gradients: pool.stage2Gradients });
 * await pool.dispose();
 */
export { createTrainingPool, TrainingPool } from './train-pool/training-pool';
export type { TrainingPoolOptions } from './train-pool/training-pool';
export type { TrainWorkerWeights } from './train-pool/protocol';
export type { BundleOptions, LoadedBundle } from './model-bundle';
export { makeOverlayPng } from './overlay-png';
export type { OverlayPngOptions } from './overlay-png';
// Models by name: hf:owner/name[@revision][/file], aliases and URLs, cached in huggingface_hub's layout (docs/hub.md)
export * from './hub/index';

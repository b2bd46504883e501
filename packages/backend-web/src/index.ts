/**
 * @aaclip/backend-web: AA-CLIP in the browser. Selects the fastest tfjs backend (WebGPU, WebGL,
 * wasm), downloads weights with progress into the Cache Storage API, reads images from DOM
 * sources and draws anomaly overlays on canvases.
 *
 * @example
 * import { createDetector, drawOverlay } from '@aaclip/backend-web';
 * const det = await createDetector({ model: modelUrl, adapters: adapterUrl, wasmPaths: '/assets/tfjs-wasm/' });
 * const [r] = await det.detect(img, { className: 'bottle' });
 * await drawOverlay(canvas, img, r.anomalyMap, r.size);
 */
export const VERSION = '0.1.0';

// Backends
export { useWebBackend, resolveWebBackend, webBackendReport, formatWebBackendReport, ensureGradients, normalizeWasmPaths, tfjsActivator, WASM_BINARY_NAMES } from './backend';
export type { WebBackendOptions, WebBackendReport, BackendActivator, WasmPaths, WasmBinaryName } from './backend';
export { createFeatureProbes, WEB_BACKEND_ORDER } from './feature-probes';
export type { WebBackendName, FeatureProbes, FeatureEnvironment, GpuLike, ProbeCanvas, AdapterFinding } from './feature-probes';

// Downloads and caching
export { readResponseBytes, declaredLength } from './read-body';
export type { ProgressCallback, ReadBodyOptions, BodyResponse } from './read-body';
export { loadWeights } from './load-weights';
export type { LoadWeightsOptions, UrlProgressCallback, FetchLike } from './load-weights';
export { DEFAULT_WEIGHT_CACHE, isWeightCached, clearWeightCache, weightCacheKey, defaultCacheStorage } from './weight-cache';
export type { CacheLike, CacheStorageLike } from './weight-cache';
export { loadClipFromUrl, loadCheckpointFromUrl, loadTokenizerFromUrl, readWeightBytes } from './load-model';
export { readSafetensorsLazy } from './lazy-safetensors';
export type { LoadClipFromUrlOptions, LoadedClip, ClipBuildOptions } from './load-model';

// Detection: createDetector is the one way in (createWebDetector and WebDetector: deprecated thin wrappers)
export { createDetector } from './create-detector';
export type { CreateWebDetectorOptions, BrowserDetector, WebImages, WebDevice } from './create-detector';
export { createWebDetector, WebDetector } from './web-detector';
export type { WebDetectorOptions } from './web-detector';

// Images and rendering
export { imageToRawImage, imageToTensor } from './image-input';
export type { ImageInput } from './image-input';
export { drawOverlay } from './draw-overlay';
export type { DrawOverlayOptions } from './draw-overlay';
export { blendHeatmap, heatmapLegend, heatmapGradientCss, JET_COLORS } from './heatmap';
export type { HeatmapOptions, HeatmapLegendStop } from './heatmap';

// Memory
export { liveTensors, memoryReport } from './memory';
export type { MemoryReport } from './memory';

/**
 * @aaclip/kernels: a multi-threaded WebAssembly SGEMM engine (pure entry: no Node or DOM APIs).
 * Threads come from the runtime entries: `@aaclip/kernels/node` (worker_threads) and
 * `@aaclip/kernels/web` (Workers, cross-origin isolated pages).
 */
export { GemmEngine } from './engine';
export type { GemmEngineOptions, GemmJob, PackedMatrix, ThreadSpawner, WorkerHandle, Blocking } from './engine';
export { gemmModuleBytes, peakModuleBytes, relaxedSimdSupported, simdSupported } from './gemm-module';
export type { KernelShape, MicroKernel } from './gemm-module';
export { sharedMemorySupported } from './wasm-api';
export { resolveThreads } from './threads';
export { workerLoop } from './worker-loop';
export type { WorkerInit } from './worker-loop';
export { TfjsGemmProvider } from './tfjs-provider';
export { gemmChoice } from './gemm-choice';
export type { GemmChoice } from './gemm-choice';
export { attention, attentionWorkBytes, runAttentionJob } from './attention-job';
export type { AttentionJob, AttentionShape } from './attention-job';
// tfjs-wasm's inference-weight packer (core's setInferenceWeightPacker), for runtimes that plug it in themselves
export { wasmInferenceWeightPacker } from './tfjs/wasm-inference-weights';
export { rowOp, runRowsJob } from './rows-job';
export type { RowOp, RowsJob } from './rows-job';

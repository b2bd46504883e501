// Scale-out on BullMQ + Redis (docs/scale-out.md): `serve --queue` (createQueueEngine), `aaclip
// worker` (runWorker), `eval --queue` (createQueueEvalHead).
export { createQueueEngine, redactUrl } from './queue-engine';
export type { QueueEngine, QueueEngineOptions, QueueDetectRequest } from './queue-engine';
export { runWorker, modelIdentity } from './worker';
export type { QueueWorker, QueueWorkerOptions } from './worker';
export { createQueueEvalHead } from './eval-head';
export type { QueueEvalHead, QueueEvalHeadOptions } from './eval-head';
export { QueueClient } from './client';
export type { QueueClientOptions } from './client';
export { DEFAULT_QUEUE, QUEUE_DEFAULTS, deadLetterQueue, detectJobId } from './protocol';
export type { WorkerRecord } from './protocol';
export { workerCommand, WORKER_HELP } from './worker-command';
export type { WorkerCommandOptions } from './worker-command';

/**
 * @aaclip/serve: `aaclip serve`, AA-CLIP detection over HTTP (Fastify): dynamic batching, a
 * bounded queue, Prometheus metrics, an OpenAPI document and a web page.
 *
 * @example
 * import { createLocalEngine, startServer } from '@aaclip/serve';
 * const engine = await createLocalEngine({ model: 'model.safetensors' });
 * const server = await startServer({ engine, port: 8080 });
 */
export { createLocalEngine } from './local-engine';
export type { LocalEngine, LocalEngineOptions } from './local-engine';
export { RequestError, BusyError, DETECT_METHODS } from './engine';
export type { DetectMethod, DetectImage, DetectRequestOptions, DetectRequest, ImageResult, DetectResponse, DetectEngine, Readiness } from './engine';
export { buildServer, startServer } from './server';
export type { ServerOptions, RunningServer, ServedEngine } from './server';
export { createMetrics } from './metrics';
export type { ServeMetrics } from './metrics';
export { OPENAPI_DOCUMENT } from './openapi';
// scale-out on BullMQ + Redis (QUEUE's packages/serve/src/queue)
export * from './queue/index';
export { serveCommand, SERVE_HELP, readApiKeys } from './serve-command';
export { ServeUsageError } from './usage-error';
export type { ServeCommandOptions } from './serve-command';

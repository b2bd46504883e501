/**
 * @aaclip/serve: `aaclip serve`, AA-CLIP detection over HTTP (Fastify): dynamic batching, a
 * bounded queue, Prometheus metrics, an OpenAPI document and a web page.
 *
 * @example
 * import { createLocalEngine, startServer } from '@aaclip/serve';
 * const engine = await createLocalEngine({ model: 'model.safetensors' });
 * const server = await startServer({ engine, port: 8080 });
 */
export { createLocalEngine } from "./local-engine";
export type { LocalEngine, LocalEngineOptions } from "./local-engine";
export { RequestError, BusyError, DETECT_METHODS } from './engine';
export type { DetectMethod, DetectImage, DetectOptions, DetectRequest, ImageResult, DetectResponse, DetectEngine, Readiness } from './engine';

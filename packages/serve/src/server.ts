// The HTTP layer of `aaclip serve` (Fastify): routes, request parsing, errors as JSON, API keys,
// metrics, graceful close. Detection itself is the engine's (engine.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import { DETECT_METHODS, RequestError, type DetectEngine, type DetectImage, type DetectMethod, type DetectRequest, type DetectResponse } from './engine';
import { createMetrics, type ServeMetrics } from './metrics';
import { OPENAPI_DOCUMENT } from './openapi';
import { registerPage } from './page';

/** What the server reads from an engine beyond DetectEngine, when it has it. */
export type ServedEngine = DetectEngine & { queueDepth?(): number; retryAfterS?(): number };

export interface ServerOptions {
  engine: ServedEngine;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Bearer keys accepted on /v1/* (none: no key needed). */
  apiKeys?: readonly string[];
  /** Largest request body, and largest multipart request in total (default 32 MiB). */
  maxBodyBytes?: number;
  /** Most image files in one request (default 64). */
  maxImagesPerRequest?: number;
  /** Fastify's logger: pino options, true (JSON lines at info), or false. Default true. */
  logger?: FastifyServerOptions['logger'];
  metrics?: ServeMetrics;
}

export interface RunningServer {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  /** Stops accepting, finishes the requests in flight, closes the engine. */
  close(): Promise<void>;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/bmp', 'image/gif', 'image/webp', 'image/tiff', 'application/octet-stream'];

/** Routes and the methods each takes (a wrong method gets 405 with Allow). */
const ROUTES: Record<string, string[]> = {
  '/v1/detect': ['POST'],
  '/v1/detect/batch': ['POST'],
  '/v1/classes': ['GET'],
  '/healthz': ['GET'],
  '/readyz': ['GET'],
  '/metrics': ['GET'],
  '/openapi.json': ['GET'],
  '/': ['GET'],
};

/** The client closed its connection before the answer: nothing to answer, nothing wrong. */
class ClientGoneError extends Error {
  constructor() {
    super('the client went away');
    this.name = 'ClientGoneError';
  }
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: code, message, status });
}

/** Maps Fastify's and @fastify/multipart's own 4xx errors to the document's codes. */
function frameworkError(err: { code?: string; statusCode?: number; message: string }): [number, string, string] | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return [413, 'body_too_large', 'the request body is larger than the server accepts'];
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return [413, 'too_many_images', 'the request has more files or fields than the server accepts'];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return [415, 'unsupported_media_type', 'send multipart/form-data, or an image as the body (image/png, image/jpeg, ...)'];
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return [err.statusCode, 'bad_request', err.message];
  return null;
}

function hashKey(k: string): Buffer {
  return createHash('sha256').update(k).digest();
}

function field(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new RequestError(400, 'bad_field', `${name} must be given once, as text`);
  return v;
}

/** A DetectRequest from multipart fields or query parameters. */
function requestFields(f: Record<string, unknown>): Omit<DetectRequest, 'images' | 'normals'> {
  const className = field('className', f.className);
  if (className === undefined || className.trim() === '') throw new RequestError(400, 'missing_class', 'className is required (a form field, or ?className= with an image body)');
  const method = (field('method', f.method) ?? 'aaclip') as DetectMethod;
  if (!DETECT_METHODS.includes(method)) throw new RequestError(400, 'bad_method', `method must be one of ${DETECT_METHODS.join(', ')}, got "${method}"`);
  const domain = field('domain', f.domain);
  if (domain !== undefined && domain !== 'industrial' && domain !== 'medical') throw new RequestError(400, 'bad_domain', `domain must be industrial or medical, got "${domain}"`);
  const th = field('threshold', f.threshold);
  const threshold = th === undefined || th === '' ? undefined : Number(th);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new RequestError(400, 'bad_threshold', `threshold must be a number in [0, 1], got "${th}"`);
  const m = field('maps', f.maps);
  if (m !== undefined && !['true', 'false', '1', '0'].includes(m)) throw new RequestError(400, 'bad_field', `maps must be true or false, got "${m}"`);
  const maps = m === undefined ? undefined : m === 'true' || m === '1';
  return {
    className,
    method,
    options: { ...(domain ? { domain } : {}), ...(threshold !== undefined ? { threshold } : {}), ...(maps !== undefined ? { maps } : {}) },
  };
}

async function readDetectRequest(req: FastifyRequest, many: boolean, maxBody: number): Promise<DetectRequest> {
  let images: DetectImage[] = [];
  const normals: DetectImage[] = [];
  let fields: Record<string, unknown>;
  if (req.isMultipart()) {
    fields = {};
    let total = 0;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const bytes = new Uint8Array(await part.toBuffer());
        total += bytes.length;
        if (total > maxBody) throw new RequestError(413, 'body_too_large', `the request's files are larger than the server accepts (${maxBody} bytes)`);
        const img = { bytes, ...(part.filename ? { name: part.filename } : {}) };
        if (part.fieldname === 'image') images.push(img);
        else if (part.fieldname === 'normal') normals.push(img);
        else throw new RequestError(400, 'bad_field', `unknown file field "${part.fieldname}" (expected image or normal)`);
      } else {
        if (Object.hasOwn(fields, part.fieldname)) throw new RequestError(400, 'bad_field', `${part.fieldname} is given more than once`);
        fields[part.fieldname] = String(part.value);
      }
    }
  } else {
    fields = (req.query ?? {}) as Record<string, unknown>;
    const body = req.body;
    if (body === undefined || body === null || (body as Uint8Array).length === 0) throw new RequestError(400, 'no_images', 'the request has no image: send multipart/form-data with an "image" file, or the image as the body');
    if (!(body instanceof Uint8Array)) throw new RequestError(415, 'unsupported_media_type', 'the body is not an image: send multipart/form-data, or image bytes (image/png, image/jpeg, ...)');
    images = [{ bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }];
  }
  const base = requestFields(fields);
  if (images.length === 0) throw new RequestError(400, 'no_images', 'the request has no "image" file');
  if (!many && images.length > 1) throw new RequestError(400, 'one_image', `POST /v1/detect takes one image, got ${images.length}: use POST /v1/detect/batch`);
  return { ...base, images, ...(normals.length ? { normals } : {}) };
}

/** The JSON of a response: maps as base64 PNGs. */
function responseJson(r: DetectResponse): unknown {
  return {
    className: r.className,
    method: r.method,
    backend: r.backend,
    ms: Math.round(r.ms * 10) / 10,
    results: r.results.map(({ mapPng, ...rest }) => ({ ...rest, ...(mapPng ? { mapPng: Buffer.from(mapPng.buffer, mapPng.byteOffset, mapPng.byteLength).toString('base64') } : {}) })),
  };
}

/** Builds the Fastify app (not listening): for tests (app.inject) and {@link startServer}. */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const maxBody = o.maxBodyBytes ?? 32 * 2 ** 20;
  const maxImages = o.maxImagesPerRequest ?? 64;
  const metrics = o.metrics ?? createMetrics();
  const engine = o.engine;
  let closing = false;
  metrics.bind({ queueDepth: engine.queueDepth?.bind(engine), backend: () => engine.backend(), ready: () => !closing && engine.ready().ok });
  const keys = (o.apiKeys ?? []).map(hashKey);
  const app = Fastify({ logger: o.logger ?? true, bodyLimit: maxBody, return503OnClosing: false });
  await app.register(multipart, { limits: { fileSize: maxBody, files: 2 * maxImages, fields: 16, parts: 2 * maxImages + 16, fieldSize: 4096 } });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: maxBody }, (_req, body, done) => done(null, body));
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (closing) return sendError(reply.header('Connection', 'close'), 503, 'shutting_down', 'the server is shutting down');
    if (keys.length && req.url.startsWith('/v1/')) {
      const h = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(h);
      const given = m ? hashKey(m[1]!) : null;
      if (!given || !keys.some((k) => timingSafeEqual(k, given))) {
        return sendError(reply.header('WWW-Authenticate', 'Bearer'), 401, 'unauthorized', m ? 'the API key is not valid' : 'this server needs an API key: send Authorization: Bearer <key>');
      }
    }
  });
  // while closing, every answer closes its connection: a keep-alive socket left idle would hold
  // the close for Fastify's keepAliveTimeout (72 s)
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number; status?: number; retryAfterS?: number }, req, reply) => {
    if (err instanceof RequestError || (err.name === 'RequestError' || err.name === 'BusyError') && typeof err.status === 'number') {
      if (err.status === 429) reply.header('Retry-After', String(err.retryAfterS ?? engine.retryAfterS?.() ?? 1));
      return sendError(reply, err.status!, err.code!, err.message);
    }
    if (err instanceof ClientGoneError) {
      req.log.info('the client went away before its answer');
      return sendError(reply, 400, 'bad_request', err.message); // written to a closed socket: nobody reads it
    }
    const mapped = frameworkError(err);
    if (mapped) return sendError(reply, ...mapped);
    req.log.error({ err }, 'request failed');
    return sendError(reply, 500, 'internal', 'the detection failed on the server (its log has the details)');
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allow = ROUTES[path];
    if (allow) return sendError(reply.header('Allow', allow.join(', ')), 405, 'method_not_allowed', `${req.method} ${path} is not allowed; use ${allow.join(' or ')}`);
    return sendError(reply, 404, 'not_found', `no route ${req.method} ${path} (GET /openapi.json lists them)`);
  });

  const detectRoute = (many: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const request = await readDetectRequest(req, many, maxBody);
    if (request.images.length + (request.normals?.length ?? 0) > maxImages) throw new RequestError(413, 'too_many_images', `the request has ${request.images.length + (request.normals?.length ?? 0)} images; the limit is ${maxImages}`);
    const key = req.headers['idempotency-key'];
    if (key !== undefined) {
      if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(key)) throw new RequestError(400, 'bad_field', 'Idempotency-Key must be 1 to 100 letters, digits, "_", "." or "-"');
      request.jobId = key;
    }
    const ac = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) ac.abort(new ClientGoneError());
    });
    const result = await engine.detect(request, ac.signal);
    return reply.type('application/json').send(responseJson(result));
  };
  app.post('/v1/detect', detectRoute(false));
  app.post('/v1/detect/batch', detectRoute(true));
  app.get('/v1/classes', async () => ({ classes: [...engine.classes()] }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = closing ? { ok: false as const, reason: 'shutting down' } : engine.ready();
    const depth = engine.queueDepth?.();
    return reply.code(r.ok ? 200 : 503).send({ ready: r.ok, backend: engine.backend(), ...(r.ok ? {} : { reason: r.reason }), ...(depth !== undefined ? { queueDepth: depth } : {}) });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/openapi.json', async () => OPENAPI_DOCUMENT);
  registerPage(app);
  return app;
}

/** Builds the server, listens, and returns it; `close()` drains it and closes the engine. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const app = await buildServer(o);
  const url = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  let closed: Promise<void> | null = null;
  return {
    app,
    url,
    close: () =>
      (closed ??= (async () => {
        // stop accepting; the engine runs what it admitted without waiting for batches to fill,
        // and the requests in flight are answered before either resolves
        await Promise.all([app.close(), o.engine.close()]);
      })()),
  };
}

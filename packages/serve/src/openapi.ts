// The OpenAPI 3.1 document of `aaclip serve`, served at /openapi.json. Hand-written data; the
// tests validate every kind of response the server sends against its schemas.
import { DETECT_METHODS } from './engine';

const errorCodes = [
  'bad_request', 'missing_class', 'bad_method', 'bad_threshold', 'bad_domain', 'bad_field', 'no_images', 'empty_image', 'one_image',
  'unauthorized', 'unknown_class', 'not_found', 'method_not_allowed', 'body_too_large', 'image_too_large', 'too_many_images',
  'unsupported_media_type', 'bad_image', 'too_few_images', 'no_normals', 'busy', 'shutting_down', 'internal',
];

const binary = { type: 'string', contentMediaType: 'application/octet-stream' } as const;

const detectFields = {
  className: { type: 'string', description: 'The object class (GET /v1/classes lists them), e.g. carpet.' },
  method: { type: 'string', enum: DETECT_METHODS, default: 'aaclip', description: 'aaclip: zero-shot AA-CLIP. musc: MuSc, the images of one request scored against each other (batch endpoint, at least 5). few-shot: AA-CLIP plus known-good images sent as "normal".' },
  domain: { type: 'string', enum: ['industrial', 'medical'], default: 'industrial' },
  threshold: { type: 'number', minimum: 0, maximum: 1, description: 'Score from which an image is anomalous (default: the threshold stored by aaclip calibrate for the class, AA-CLIP only).' },
  maps: { type: 'boolean', default: true, description: 'Return the anomaly map overlay of each image as a base64 PNG.' },
} as const;

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'With --queue: a resubmission with the same key runs once and gets the stored result (1 to 100 of A-Z a-z 0-9 _ . -)',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' },
};

const queryParams = Object.entries(detectFields).map(([name, schema]) => ({ name, in: 'query', required: name === 'className', schema, description: (schema as { description?: string }).description ?? name }));

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const detectResponses = {
  '200': { description: 'Scores, verdicts and maps', content: { 'application/json': { schema: { $ref: '#/components/schemas/DetectResponse' } } } },
  '400': errorResponse('A missing or malformed field, or no image'),
  '401': errorResponse('A missing or wrong API key (with --api-key-file)'),
  '404': errorResponse('An unknown className'),
  '413': errorResponse('The body, an image file or an image\'s pixel count is over the limit'),
  '415': errorResponse('A body or file that is not a PNG, JPEG, BMP, GIF, WebP or TIFF image'),
  '422': errorResponse('An image that cannot be decoded, or too few images for the method'),
  '429': {
    description: 'The queue is full',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '503': errorResponse('The server is shutting down'),
};

const detectBody = (many: boolean) => ({
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['className', 'image'],
        properties: {
          ...detectFields,
          image: many ? { type: 'array', items: binary, description: 'Images (repeat the field)' } : { ...binary, description: 'The image' },
          normal: { type: 'array', items: binary, description: 'Known-good images of the class (method few-shot; repeat the field)' },
        },
      },
    },
    ...(many ? {} : Object.fromEntries(['image/png', 'image/jpeg', 'image/bmp', 'image/webp', 'application/octet-stream'].map((t) => [t, { schema: binary }]))),
  },
});

/** The document (OpenAPI 3.1; its schemas are JSON Schema 2020-12). */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'aaclip serve',
    version: '0.1.0',
    description: 'AA-CLIP anomaly detection over HTTP: a score, a verdict and an anomaly map per image. Every error is JSON ({ error, message, status}).',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A key of the server\'s --api-key-file (only when it was given)' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error', 'message', 'status'],
        additionalProperties: false,
        properties: {
          error: { type: 'string', enum: errorCodes },
          message: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
        },
      },
      ImageResult: {
        type: 'object',
        required: ['score', 'imageScore', 'mapMax', 'size', 'width', 'height'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', description: 'The multipart file name' },
          score: { type: 'number', description: 'Fused score of the image (industrial: 0.5 mapMax + 0.5 imageScore; medical: mapMax)' },
          imageScore: { type: 'number' },
          mapMax: { type: 'number' },
          isAnomalous: { type: 'boolean', description: 'score >= threshold (present with a threshold)' },
          threshold: { type: 'number' },
          size: { type: 'integer', description: 'Side of the square map the model computed' },
          width: { type: 'integer' },
          height: { type: 'integer' },
          mapPng: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png', description: 'The anomaly map over the image, at the image\'s size' },
        },
      },
      DetectResponse: {
        type: 'object',
        required: ['className', 'method', 'results', 'backend', 'ms'],
        additionalProperties: false,
        properties: {
          className: { type: 'string' },
          method: { type: 'string', enum: DETECT_METHODS },
          results: { type: 'array', items: { $ref: '#/components/schemas/ImageResult' } },
          backend: { type: 'string' },
          ms: { type: 'number', description: 'Milliseconds in the engine (queue wait included)' },
        },
      },
      Classes: { type: 'object', required: ['classes'], additionalProperties: false, properties: { classes: { type: 'array', items: { type: 'string' } } } },
      Health: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ok' } } },
      Ready: {
        type: 'object',
        required: ['ready', 'backend'],
        additionalProperties: false,
        properties: { ready: { type: 'boolean' }, backend: { type: 'string' }, reason: { type: 'string' }, queueDepth: { type: 'integer' } },
      },
    },
  },
  paths: {
    '/v1/detect': {
      post: {
        summary: 'Detect anomalies in one image',
        description: 'multipart/form-data (fields and an "image" file), or the image itself as the body with the fields in the query string.',
        operationId: 'detect',
        security: [{}, { bearer: [] }],
        parameters: [...queryParams.map((p) => ({ ...p, required: false })), idempotencyKey],
        requestBody: detectBody(false),
        responses: detectResponses,
      },
    },
    '/v1/detect/batch': {
      post: {
        summary: 'Detect anomalies in several images of one class',
        description: 'AA-CLIP and few-shot: each image on its own (batched with other clients\' images). MuSc: the images scored against each other.',
        operationId: 'detectBatch',
        security: [{}, { bearer: [] }],
        parameters: [idempotencyKey],
        requestBody: detectBody(true),
        responses: detectResponses,
      },
    },
    '/v1/classes': {
      get: {
        summary: 'Class names the model accepts',
        operationId: 'classes',
        security: [{}, { bearer: [] }],
        responses: { '200': { description: 'Class names', content: { 'application/json': { schema: { $ref: '#/components/schemas/Classes' } } } }, '401': errorResponse('A missing or wrong API key') },
      },
    },
    '/healthz': { get: { summary: 'Liveness', operationId: 'health', responses: { '200': { description: 'The process serves HTTP', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } } } },
    '/readyz': {
      get: {
        summary: 'Readiness: the model is loaded and requests are taken',
        operationId: 'ready',
        responses: {
          '200': { description: 'Ready', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ready' } } } },
          '503': { description: 'Not ready (loading, shutting down, or the model failed to load)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Ready' } } } },
        },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', operationId: 'metrics', responses: { '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/openapi.json': { get: { summary: 'This document', operationId: 'openapi', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    '/': { get: { summary: 'The web page: pick a class, drop images, see overlay, score and verdict', operationId: 'page', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
  },
} as const;

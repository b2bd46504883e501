// aaclip serve over HTTP (Fastify's inject, no socket): the API against the OpenAPI document,
// dynamic batching, 429 under a burst, bad input, API keys, metrics. The demo model on wasm.
import * as tf from '@tensorflow/tfjs-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelPath } from '@aaclip/backend-node';
import { createLocalEngine, type LocalEngine } from './local-engine';
import { createMetrics } from './metrics';
import { buildServer } from './server';
import { expectConforms, multipart, pngHeader, sampleImage } from '../../../test-utils/serve-http';

/** A 24-bit BMP file header and info header declaring `width` x `height`, and no pixels. */
function bmpHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(54 + width * height * 3, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return new Uint8Array(b);
}

const good = sampleImage('carpet-good.png');
const hole = sampleImage('carpet-hole.png');

let engine: LocalEngine;
let app: FastifyInstance;

beforeAll(async () => {
  const metrics = createMetrics({ defaults: false });
  engine = await createLocalEngine({
    model: demoModelPath(),
    device: 'wasm',
    maxBatch: 8,
    maxWaitMs: 50,
    onBatch: (b) => metrics.batch(b.method, b.size, b.ms / 1000),
  });
  app = await buildServer({ engine, logger: false, metrics });
});

afterAll(async () => {
  await app?.close();
  await engine?.close();
});

const detectRaw = (bytes: Uint8Array, query = 'className=carpet', type = 'image/png') =>
  app.inject({ method: 'POST', url: `/v1/detect?${query}`, payload: Buffer.from(bytes), headers: { 'content-type': type } });

describe('aaclip serve: the API', () => {
  it('detects one image (raw body and multipart) with scores, a map PNG and the document\'s shapes', async () => {
    const raw = await detectRaw(hole, 'className=carpet&threshold=0.3');
    expect(raw.statusCode).toBe(200);
    expectConforms(raw, '/v1/detect', 'POST');
    const body = raw.json();
    expect(body.className).toBe('carpet');
    expect(body.method).toBe('aaclip');
    expect(body.backend).toBe('wasm');
    const [r] = body.results;
    expect(r.width).toBe(256); // the image's own size; the model's maps are 128 px
    expect(r.size).toBe(128);
    expect(r.score).toBeCloseTo(0.36253, 4); // the README sample's score with the demo model
    expect(r.threshold).toBe(0.3);
    expect(r.isAnomalous).toBe(true);
    const png = Buffer.from(r.mapPng, 'base64');
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');

    const mp = await multipart({ className: 'carpet', maps: 'false' }, [{ field: 'image', name: 'carpet-good.png', bytes: good }]);
    const res = await app.inject({ method: 'POST', url: '/v1/detect', ...mp });
    expect(res.statusCode).toBe(200);
    expectConforms(res, '/v1/detect', 'POST');
    const m = res.json().results[0];
    expect(m.name).toBe('carpet-good.png');
    expect(m.mapPng).toBeUndefined();
    expect(m.score).toBeCloseTo(0.29449, 4);
    expect(m.isAnomalous).toBeUndefined(); // no threshold given, none stored for carpet in the demo model
  });

  it('serves the batch endpoint, MuSc and few-shot', async () => {
    const five = [good, hole, good, hole, good].map((bytes, i) => ({ field: 'image', name: `img${i}.png`, bytes }));
    const tensors = tf.memory().numTensors; // carpet's anchors exist already (the test above)
    const musc = await app.inject({ method: 'POST', url: '/v1/detect/batch', ...(await multipart({ className: 'carpet', method: 'musc', maps: 'false' }, five)) });
    expect(musc.statusCode).toBe(200);
    expectConforms(musc, '/v1/detect/batch', 'POST');
    const scores = musc.json().results.map((r: { score: number }) => r.score);
    expect(scores).toHaveLength(5);
    expect(scores[0]).toBeCloseTo(scores[2], 6); // identical images score alike
    expect(scores[1]).toBeCloseTo(scores[3], 6);

    const few = await app.inject({
      method: 'POST',
      url: '/v1/detect/batch',
      ...(await multipart({ className: 'carpet', method: 'few-shot', maps: 'false' }, [{ field: 'image', name: 'hole.png', bytes: hole }, { field: 'normal', name: 'good.png', bytes: good }])),
    });
    expect(few.statusCode).toBe(200);
    expectConforms(few, '/v1/detect/batch', 'POST');
    expect(few.json().results).toHaveLength(1);
    expect(Number.isFinite(few.json().results[0].score)).toBe(true);
    expect(tf.memory().numTensors).toBe(tensors); // the MuSc scorer and the references are freed

    const tooFew = await app.inject({ method: 'POST', url: '/v1/detect/batch', ...(await multipart({ className: 'carpet', method: 'musc' }, five.slice(0, 2))) });
    expect(tooFew.statusCode).toBe(422);
    expect(tooFew.json().error).toBe('too_few_images');
    expectConforms(tooFew, '/v1/detect/batch', 'POST');
  });

  it('lists classes, health, readiness, metrics and the document itself', async () => {
    const classes = await app.inject('/v1/classes');
    expectConforms(classes, '/v1/classes', 'GET');
    expect(classes.json().classes).toContain('carpet');
    expect(classes.json().classes).toContain('bottle');
    const health = await app.inject('/healthz');
    expectConforms(health, '/healthz', 'GET');
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expectConforms(ready, '/readyz', 'GET');
    expect(ready.json()).toMatchObject({ ready: true, backend: 'wasm', queueDepth: 0 });
    const doc = await app.inject('/openapi.json');
    expect(doc.json().openapi).toBe('3.1.0');
    const metrics = await app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/aaclip_http_requests_total\{route="\/v1\/detect",method="POST",status="200"\} [1-9]/);
    expect(metrics.body).toMatch(/aaclip_batch_size_count\{method="aaclip"\} [1-9]/);
    expect(metrics.body).toContain('aaclip_backend_info{backend="wasm"} 1');
    expect(metrics.body).toContain('aaclip_queue_depth 0');
    expect(metrics.body).toMatch(/aaclip_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/detect"\} [1-9]/);
  });

  it('runs concurrent requests of one class as one batch, with the results of single requests', async () => {
    const single: number[] = [];
    for (const bytes of [good, hole]) single.push((await detectRaw(bytes, 'className=carpet&maps=false')).json().results[0].score);
    // a batch runs when it is full (6) or after maxWaitMs (a minute here): the six requests make one batch whatever the machine's load
    const sizes: number[] = [];
    const batching = await createLocalEngine({ model: demoModelPath(), device: 'wasm', maxBatch: 6, maxWaitMs: 60_000, onBatch: (b) => sizes.push(b.size) });
    const server = await buildServer({ engine: batching, logger: false });
    try {
      // a first request of the class computes its anchors, which the engine keeps (six images: a full batch)
      const six = Array.from({ length: 6 }, (_, i) => ({ field: 'image', name: `${i}.png`, bytes: good }));
      expect((await server.inject({ method: 'POST', url: '/v1/detect/batch', ...(await multipart({ className: 'carpet', maps: 'false' }, six)) })).statusCode).toBe(200);
      const tensors = tf.memory().numTensors;
      sizes.length = 0;
      const all = await Promise.all(
        Array.from({ length: 6 }, (_, i) => server.inject({ method: 'POST', url: '/v1/detect?className=carpet&maps=false', payload: Buffer.from(i % 2 ? hole : good), headers: { 'content-type': 'image/png' } })),
      );
      expect(all.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(sizes).toEqual([6]); // six requests, one batch
      all.forEach((r, i) => expect(r.json().results[0].score).toBeCloseTo(single[i % 2]!, 5));
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      await server.close();
      await batching.close();
    }
  });
});

describe('aaclip serve: bad input gets a 4xx JSON error, and the server goes on', () => {
  const truncated = hole.subarray(0, Math.floor(hole.length / 2));
  const cases: [string, () => Promise<{ statusCode: number; json(): { error: string; message: string }; headers: Record<string, unknown>; body: string }>, number, string, RegExp][] = [
    ['a non-image', () => detectRaw(new TextEncoder().encode('hello, this is not an image')), 415, 'unsupported_media_type', /not a PNG, JPEG/],
    ['a text body', () => app.inject({ method: 'POST', url: '/v1/detect?className=carpet', payload: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', /not an image|multipart/],
    ['a truncated PNG', () => detectRaw(truncated), 422, 'bad_image', /^cannot decode image image #1: /],
    ['a 30000 x 30000 PNG header', () => detectRaw(pngHeader(30000, 30000)), 413, 'image_too_large', /^image #1 is 30000 x 30000 pixels; the server takes at most 16777216 pixels and 8192 pixels a side$/],
    ['a 30000 x 30000 BMP header', () => detectRaw(bmpHeader(30000, 30000), 'className=carpet', 'image/bmp'), 413, 'image_too_large', /^image #1 is 30000 x 30000 pixels; the server takes at most/],
    ['an 8000 x 1 strip', () => detectRaw(pngHeader(8000, 1)), 413, 'image_too_large', /^image #1 is 8000 x 1 pixels: its longer side is more than 32 times its shorter one$/],
    ['an unknown class', () => detectRaw(hole, 'className=no-such-thing'), 404, 'unknown_class', /unknown className "no-such-thing"/],
    ['no class', () => detectRaw(hole, ''), 400, 'missing_class', /className is required/],
    ['an empty body', () => app.inject({ method: 'POST', url: '/v1/detect?className=carpet', headers: { 'content-type': 'image/png' } }), 400, 'no_images', /no image/],
    ['an unknown method', () => detectRaw(hole, 'className=carpet&method=magic'), 400, 'bad_method', /method must be one of aaclip, musc, few-shot/],
    ['a threshold out of range', () => detectRaw(hole, 'className=carpet&threshold=7'), 400, 'bad_threshold', /threshold must be a number in \[0, 1\]/],
    ['a malformed Idempotency-Key', () => app.inject({ method: 'POST', url: '/v1/detect?className=carpet', payload: Buffer.from(hole), headers: { 'content-type': 'image/png', 'idempotency-key': 'not a key!' } }), 400, 'bad_field', /Idempotency-Key must be/],
    ['a wrong HTTP method', () => app.inject({ method: 'GET', url: '/v1/detect' }), 405, 'method_not_allowed', /use POST/],
    ['two images on /v1/detect', async () => app.inject({ method: 'POST', url: '/v1/detect', ...(await multipart({ className: 'carpet' }, [{ field: 'image', name: 'a.png', bytes: good }, { field: 'image', name: 'b.png', bytes: hole }])) }), 400, 'one_image', /\/v1\/detect\/batch/],
    ['a file under an unknown field', async () => app.inject({ method: 'POST', url: '/v1/detect', ...(await multipart({ className: 'carpet' }, [{ field: 'path', name: '/etc/passwd', bytes: good }])) }), 400, 'bad_field', /unknown file field "path"/],
  ];
  for (const [what, send, status, code, message] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toBe(code);
      expect(res.json().message).toMatch(message);
      if (status !== 405) expectConforms(res, '/v1/detect', 'POST');
      const after = await detectRaw(good, 'className=carpet&maps=false');
      expect(after.statusCode).toBe(200);
    });
  }

  it('an unknown route: 404 JSON', async () => {
    const res = await app.inject('/v1/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', status: 404 });
  });

  it('a body over the limit: 413 before detection', async () => {
    const small = await buildServer({ engine, logger: false, maxBodyBytes: 1000 });
    try {
      const res = await small.inject({ method: 'POST', url: '/v1/detect?className=carpet', payload: Buffer.from(hole), headers: { 'content-type': 'image/png' } });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toBe('body_too_large');
      const mp = await small.inject({ method: 'POST', url: '/v1/detect', ...(await multipart({ className: 'carpet' }, [{ field: 'image', name: 'a.png', bytes: hole }])) });
      expect(mp.statusCode).toBe(413);
      expect(mp.json().error).toBe('body_too_large');
    } finally {
      await small.close();
    }
  });
});

describe('aaclip serve: backpressure and API keys', () => {
  it('a burst past the queue bound gets 429 with Retry-After; the rest are served', async () => {
    const tight = await createLocalEngine({ model: demoModelPath(), device: 'wasm', maxBatch: 1, maxWaitMs: 0, maxQueue: 2 });
    const server = await buildServer({ engine: tight, logger: false });
    try {
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => server.inject({ method: 'POST', url: '/v1/detect?className=carpet&maps=false', payload: Buffer.from(good), headers: { 'content-type': 'image/png' } })),
      );
      const codes = burst.map((r) => r.statusCode);
      const busy = burst.filter((r) => r.statusCode === 429);
      expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(2);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
      for (const r of busy) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(r.json().error).toBe('busy');
        expectConforms(r, '/v1/detect', 'POST');
      }
      const after = await server.inject({ method: 'POST', url: '/v1/detect?className=carpet&maps=false', payload: Buffer.from(good), headers: { 'content-type': 'image/png' } });
      expect(after.statusCode).toBe(200);
    } finally {
      await server.close();
      await tight.close();
    }
  });

  it('with API keys, /v1/* needs a valid Bearer key; health and the page do not', async () => {
    const key = 'k3y-for-the-test-0123456789';
    const server = await buildServer({ engine, logger: false, apiKeys: [key] });
    try {
      const none = await server.inject('/v1/classes');
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expectConforms(none, '/v1/classes', 'GET');
      const wrong = await server.inject({ url: '/v1/classes', headers: { authorization: 'Bearer not-the-key-at-all-000' } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toBe('the API key is not valid');
      const ok = await server.inject({ url: '/v1/classes', headers: { authorization: `Bearer ${key}` } });
      expect(ok.statusCode).toBe(200);
      const det = await server.inject({ method: 'POST', url: '/v1/detect?className=carpet&maps=false', payload: Buffer.from(good), headers: { 'content-type': 'image/png', authorization: `Bearer ${key}` } });
      expect(det.statusCode).toBe(200);
      expect((await server.inject('/healthz')).statusCode).toBe(200);
      expect((await server.inject('/')).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

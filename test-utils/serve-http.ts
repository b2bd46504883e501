// Test helpers of @aaclip/serve: sample images, multipart bodies, hostile PNG headers, and
// the OpenAPI check of a response.
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { OPENAPI_DOCUMENT } from '../packages/serve/src/openapi';

/** An image of examples/images (the README's samples). */
export function sampleImage(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../examples/images/${name}`, import.meta.url)));
}

/** A multipart/form-data body built by the platform's FormData (as a browser sends it). */
export async function multipart(fields: Record<string, string>, files: { field: string; name: string; bytes: Uint8Array; type?: string }[]): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append(f.field, new Blob([Buffer.from(f.bytes)], { type: f.type ?? 'image/png' }), f.name);
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { payload: Buffer.from(await req.arrayBuffer()), headers: { 'content-type': req.headers.get('content-type')! } };
}

/** A PNG whose header declares `width` x `height`, with one short IDAT (a few bytes of pixel data). */
export function pngHeader(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]));
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(OPENAPI_DOCUMENT as object, 'openapi.json');

/** Asserts that a JSON response matches the document's schema for `path`, `method` and its status. */
export function expectConforms(res: { statusCode: number; headers: Record<string, unknown>; body: string }, path: string, method: string): void {
  const op = (OPENAPI_DOCUMENT.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>)[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is in the document`).toBeDefined();
  const response = op!.responses[String(res.statusCode)];
  expect(response, `${method} ${path} documents status ${res.statusCode}`).toBeDefined();
  const content = response!.content?.['application/json'];
  expect(content, `${method} ${path} ${res.statusCode} is JSON`).toBeDefined();
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const ref = content!.schema.$ref;
  const validate = ref ? ajv.getSchema(`openapi.json${ref}`)! : ajv.compile(content!.schema);
  const ok = validate(JSON.parse(res.body));
  expect(validate.errors ?? [], `${method} ${path} ${res.statusCode}: ${res.body.slice(0, 200)}`).toEqual([]);
  expect(ok).toBe(true);
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, MAX_MANIFEST_LINE, parseManifest, readManifest } from './manifest';
import { DatasetLayoutError } from './types';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aaclip-manifest-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const good = '{"image_path":"a.png","label":0,"class_name":"a"}';

function caught(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('nothing thrown');
}

describe('ManifestError', () => {
  it('carries the file, line and a code, and is a DatasetLayoutError', () => {
    const e = caught(() => parseManifest(`${good}\n\n${good.replace('.png', '-2.png')}\n{"image_path": 3}\n`, '/r', 'm.jsonl'));
    expect(e).toBeInstanceOf(DatasetLayoutError);
    expect([e.path, e.line, e.code]).toEqual(['m.jsonl', 4, 'INVALID_FIELD']);
    expect(e.message).toBe('m.jsonl:4: image_path must be a non-empty string, got 3');
    expect(caught(() => parseManifest(`${good}\r\n{oops\r\n`, '/r', 'm.jsonl'))).toMatchObject({ line: 2, code: 'INVALID_JSON' });
    expect(caught(() => parseManifest('\ufeff[1]\n', '/r', 'm.jsonl'))).toMatchObject({ line: 1, code: 'NOT_AN_OBJECT' });
  });

  it('keeps messages short for deeply nested or huge values', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const e = caught(() => parseManifest(`{"image_path": ${deep}, "label": 0, "class_name": "a"}`, '/r', 'm.jsonl'));
    expect(e.message).toBe('m.jsonl:1: image_path must be a non-empty string, got [[[…]]]');
    const long = caught(() => parseManifest(`{"image_path": "a", "label": "${'x'.repeat(5000)}", "class_name": "a"}`, '/r', 'm.jsonl'));
    expect(long.message.length).toBeLessThan(200);
  });

  it('refuses NUL characters in paths and over-long lines', () => {
    expect(caught(() => parseManifest('{"image_path":"a\\u0000.png","label":0,"class_name":"a"}', '/r', 'm.jsonl'))).toMatchObject({ line: 1, code: 'INVALID_FIELD' });
    expect(caught(() => parseManifest(`{"image_path":"a","label":0,"class_name":"a","mask_path":"m\\u0000"}`, '/r', 'm.jsonl')).message).toMatch(/mask_path contains a NUL/);
    const huge = `{"image_path":"${'a'.repeat(MAX_MANIFEST_LINE)}","label":0,"class_name":"a"}`;
    expect(caught(() => parseManifest(`${good}\n${huge}`, '/r', 'm.jsonl'))).toMatchObject({ line: 2, code: 'LIMIT' });
  });

  it('reads files as strict UTF-8 and names the first bad line', async () => {
    const path = join(dir, 'bad-utf8.jsonl');
    const text = new TextEncoder().encode(`${good}\n${good}\n`);
    await writeFile(path, new Uint8Array([...text, ...new TextEncoder().encode('{"image_path":"'), 0xc3, 0x28, ...new TextEncoder().encode('","label":0,"class_name":"a"}\n')]));
    const e = await readManifest(path, { verify: false }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ManifestError);
    expect(e).toMatchObject({ line: 3, code: 'INVALID_UTF8', path });
    const ok = join(dir, 'ok.jsonl');
    await writeFile(ok, `${good}\n{"image_path":"ü.png","label":1,"class_name":"ä"}\n`);
    expect((await readManifest(ok, { verify: false })).items.map((it) => it.className)).toEqual(['a', 'ä']);
    await expect(readManifest(ok, { verify: false, maxBytes: 10 })).rejects.toMatchObject({ code: 'LIMIT', line: 0 });
  });
});

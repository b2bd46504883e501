/**
 * Bounded fuzzing of the image decoder (PNG, JPEG, BMP) and the jsonl manifest parser:
 * seeded mutations, each of which must end in a result or the typed error of its reader
 * (ImageDecodeError, ManifestError). Anything else is a crash and fails the test.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { bmp24Header } from '../../../test-utils/bmp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '@aaclip/core';
import { concat, FuzzTally, mutate, Rng, type Focus } from '../../../test-utils/fuzz-mutators';
import { ManifestError, parseManifest, readManifest } from './datasets/manifest';
import { decodeImage, DEFAULT_MAX_IMAGE_ASPECT_RATIO, DEFAULT_MAX_IMAGE_SIDE } from '@aaclip/backend-node';

const SEED = 20240612;
const PER_CASE_MS = 2000;
const MAX_PIXELS = 1 << 22;
const tallies: FuzzTally[] = [];
let dir = '';
let rssStart = 0;
let rssMax = 0;

beforeAll(async () => {
  sharp.cache(false);
  dir = await mkdtemp(join(tmpdir(), 'aaclip-fuzz-'));
  rssStart = process.memoryUsage.rss();
});
afterAll(async () => {
  sharp.cache(true);
  await rm(dir, { recursive: true, force: true });
  const rows = tallies.map((t) => t.summary());
  const total = rows.reduce((n, r) => n + (r.cases as number), 0);
  console.log(`[fuzz] images and manifests: ${total} cases, seed ${SEED}, rss growth ${((rssMax - rssStart) / 2 ** 20).toFixed(0)} MiB\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
});

type Outcome = { ok: true } | { error: string } | { crash: string };

async function timed(tally: FuzzTally, what: string, run: () => Promise<Outcome> | Outcome): Promise<void> {
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (e) {
    outcome = { crash: `${what}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}` };
  }
  const ms = performance.now() - t0;
  if (ms > PER_CASE_MS) outcome = { crash: `${what}: took ${ms.toFixed(0)} ms` };
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  tally.record(outcome, ms);
}

function finish(tally: FuzzTally): void {
  tallies.push(tally);
  expect(tally.crashes.slice(0, 5)).toEqual([]);
  expect(tally.maxMs).toBeLessThan(PER_CASE_MS);
  expect(rssMax - rssStart).toBeLessThan(768 * 2 ** 20);
}

// ---- images -----------------------------------------------------------------------------

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Recomputes every chunk CRC of a PNG (stops at the first chunk that runs past the end). */
function fixPngCrcs(out: Uint8Array): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let p = 8; p + 12 <= out.length; ) {
    const len = view.getUint32(p);
    if (p + 12 + len > out.length) break;
    view.setUint32(p + 8 + len, crc32(out.subarray(p + 4, p + 8 + len)));
    p += 12 + len;
  }
  return out;
}

/**
 * PNG tampering that gets past the CRC checks: IHDR width/height set to hostile values, the
 * first IDAT length changed, or random mutations with every CRC recomputed afterwards.
 */
function tamperPng(png: Uint8Array, rng: Rng): Uint8Array {
  const r = rng.next();
  if (r < 0.4) return fixPngCrcs(mutate(png, rng, [[8, png.length]]).bytes);
  const out = png.slice();
  const view = new DataView(out.buffer);
  if (r < 0.8) {
    view.setUint32(rng.pick([16, 20]), rng.pick([0, 1, 4097, 65535, 100_000, 0x7fffffff, 0xffffffff]));
    view.setUint32(29, crc32(out.subarray(12, 29)));
  } else {
    view.setUint32(33, rng.pick([0, 1, 0x7fffffff, 0xffffffff, out.length]));
  }
  return out;
}

/** JPEG with its SOF dimensions or a segment length set to a hostile value. */
function tamperJpeg(jpeg: Uint8Array, rng: Rng): Uint8Array {
  const out = jpeg.slice();
  const view = new DataView(out.buffer);
  const markers: number[] = [];
  for (let i = 2; i + 4 < out.length; i++) if (out[i] === 0xff && out[i + 1]! >= 0xc0 && out[i + 1]! <= 0xfe && out[i + 1] !== 0xd8) markers.push(i);
  const sof = markers.find((i) => out[i + 1] === 0xc0 || out[i + 1] === 0xc2);
  if (sof !== undefined && rng.next() < 0.6) view.setUint16(sof + rng.pick([5, 7]), rng.pick([0, 1, 2049, 30000, 65535]));
  else if (markers.length > 0) view.setUint16(rng.pick(markers) + 2, rng.pick([0, 1, 2, 0x7fff, 0xffff]));
  return out;
}

/** BMP with hostile dimensions, bit depth, compression or pixel offset. */
function tamperBmp(bmp: Uint8Array, rng: Rng): Uint8Array {
  const out = bmp.slice();
  const view = new DataView(out.buffer);
  const field = rng.pick([[10, 4], [14, 4], [18, 4], [22, 4], [28, 2], [30, 4], [46, 4]] as const);
  const values = [0, 1, 3, 8, 12, 16, 52, 56, 0xffff, -1, -65536, 0x7fffffff, 0x80000000];
  if (field[1] === 4) view.setUint32(field[0], rng.pick(values) >>> 0, true);
  else view.setUint16(field[0], rng.pick(values) & 0xffff, true);
  return out;
}

function bmp24(w: number, h: number): Uint8Array {
  const { buf } = bmp24Header(w, h);
  for (let i = 54; i < buf.length; i++) buf[i] = (i * 37) & 0xff;
  return buf;
}

async function fuzzImage(label: string, base: Uint8Array, cases: number, seed: number, tamper: (b: Uint8Array, r: Rng) => Uint8Array, focus: Focus): Promise<void> {
  expect((await decodeImage(base, label)).width).toBeGreaterThan(0);
  const rng = new Rng(seed);
  const tally = new FuzzTally(label);
  for (let i = 0; i < cases; i++) {
    const bytes = rng.next() < 0.4 ? tamper(base, rng) : mutate(base, rng, focus).bytes;
    await timed(tally, `${label} case ${i} (seed ${seed})`, async () => {
      try {
        const img = await decodeImage(bytes, label, { maxPixels: MAX_PIXELS });
        if (img.width * img.height > MAX_PIXELS || img.data.length !== img.width * img.height * img.channels) {
          return { crash: `${label} case ${i}: decoded ${img.width} x ${img.height} x ${img.channels} with ${img.data.length} samples` };
        }
        return { ok: true };
      } catch (e) {
        if (e instanceof ImageDecodeError) return { error: 'ImageDecodeError' };
        throw e;
      }
    });
  }
  finish(tally);
}

async function gradient(w: number, h: number, channels: 1 | 2 | 3 | 4): Promise<sharp.Sharp> {
  const raw = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 13 + (i % 7) * 29) & 0xff);
  return sharp(raw, { raw: { width: w, height: h, channels } });
}

describe('fuzz: decodeImage ends every case in an image or an ImageDecodeError', () => {
  it('PNG (RGB, gray + alpha, palette)', async () => {
    const rgb = new Uint8Array(await (await gradient(24, 16, 3)).png().toBuffer());
    const ga = new Uint8Array(await (await gradient(8, 8, 2)).png().toBuffer());
    const pal = new Uint8Array(await (await gradient(16, 16, 3)).png({ palette: true }).toBuffer());
    await fuzzImage('rgb.png', rgb, 500, SEED, tamperPng, [[0, 64]]);
    await fuzzImage('gray-alpha.png', ga, 250, SEED + 1, tamperPng, [[0, 64]]);
    await fuzzImage('palette.png', pal, 250, SEED + 2, tamperPng, [[0, 120]]);
  });

  it('JPEG (baseline and progressive)', async () => {
    const base = new Uint8Array(await (await gradient(24, 16, 3)).jpeg({ quality: 80 }).toBuffer());
    const prog = new Uint8Array(await (await gradient(16, 16, 3)).jpeg({ quality: 70, progressive: true }).toBuffer());
    await fuzzImage('baseline.jpg', base, 500, SEED + 3, tamperJpeg, [[0, 700]]);
    await fuzzImage('progressive.jpg', prog, 250, SEED + 4, tamperJpeg, [[0, 700]]);
  });

  it('BMP', async () => {
    await fuzzImage('image.bmp', bmp24(12, 9), 400, SEED + 5, tamperBmp, [[0, 54]]);
  });

  // Issue 14 item 3: a 1 x 67,108,864 PNG passed the pixel bound, then cost 100 s and 1.5 GiB
  // in resizing. Real files of extreme shapes, and headers declaring them (CRC fixed): each
  // decodes within maxSide and maxAspectRatio or ends in an ImageDecodeError, from the header.
  it('extreme shapes: strips, huge sides, headers declaring them', async () => {
    const shapes: [number, number][] = [[1, 4097], [4097, 1], [1, 33], [33, 1], [1, 32], [2, 65], [64, 2048], [2048, 63], [512, 16], [16385, 2]];
    const files: [string, Uint8Array][] = [];
    for (const [w, h] of shapes) {
      files.push([`${w}x${h}.png`, new Uint8Array(await (await gradient(w, h, 1)).png().toBuffer())]);
      files.push([`${w}x${h}.jpg`, new Uint8Array(await (await gradient(w, h, 3)).jpeg().toBuffer())]);
    }
    files.push(['2x3.bmp', bmp24(2, 3)], ['1x40.bmp', bmp24(1, 40)]);
    const sides = [1, 2, 31, 32, 33, 100, 16_384, 16_385, 65_535, 4_000_000, 67_108_864, 0x7fffffff];
    const rng = new Rng(SEED + 6);
    const tally = new FuzzTally('extreme shapes');
    for (let i = 0; i < 300; i++) {
      let [label, bytes] = rng.pick(files);
      if (i >= files.length) {
        bytes = bytes.slice();
        const view = new DataView(bytes.buffer);
        const [w, h] = [rng.pick(sides), rng.pick(sides)];
        if (label.endsWith('.png')) {
          view.setUint32(16, w);
          view.setUint32(20, h);
          view.setUint32(29, crc32(bytes.subarray(12, 29)));
        } else if (label.endsWith('.bmp')) {
          view.setInt32(18, w, true);
          view.setInt32(22, rng.next() < 0.5 ? h : -h, true);
        } else {
          bytes = tamperJpeg(bytes, rng);
        }
        label = `${label} as ${w} x ${h}`;
      }
      await timed(tally, `extreme shapes case ${i}: ${label}`, async () => {
        try {
          const img = await decodeImage(bytes, label);
          const ratio = Math.max(img.width, img.height) / Math.min(img.width, img.height);
          if (Math.max(img.width, img.height) > DEFAULT_MAX_IMAGE_SIDE || ratio > DEFAULT_MAX_IMAGE_ASPECT_RATIO) {
            return { crash: `${label}: decoded ${img.width} x ${img.height} past the bounds` };
          }
          return { ok: true };
        } catch (e) {
          if (e instanceof ImageDecodeError) return { error: 'ImageDecodeError' };
          throw e;
        }
      });
    }
    expect(tally.summary().cases).toBe(300);
    finish(tally);
  });
});

// ---- manifests --------------------------------------------------------------------------

function manifestText(rng: Rng): string {
  const lines: string[] = [];
  for (let i = 0; i < 24; i++) {
    const label = rng.int(2);
    const o: Record<string, unknown> = { image_path: `cls${i % 3}/test/${label ? 'crack' : 'good'}/${i}.png`, label, class_name: `cls${i % 3}` };
    if (label) o.mask_path = `cls${i % 3}/ground_truth/crack/${i}_mask.png`;
    if (i % 5 === 0) o.split = 'train';
    if (i % 4 === 0) o.defect_type = label ? 'crack' : 'good';
    lines.push(JSON.stringify(o));
  }
  return `${lines.join(i2crlf(rng))}\n`;
}
const i2crlf = (rng: Rng): string => (rng.next() < 0.2 ? '\r\n' : '\n');

const HOSTILE_VALUES = ['null', 'true', '""', '"\\u0000x"', '1e999', '-0', '2', '"1"', '{}', '[]', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, `"${'x'.repeat(1 << 20)}"`, '{"a":{"b":{"c":[1,2,3]}}}'];

/** Replaces one field value of one line with a hostile JSON value. */
function mutateManifestField(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const i = rng.int(lines.length - 1);
  const field = rng.pick(['image_path', 'label', 'class_name', 'mask_path', 'split']);
  const re = new RegExp(`"${field}":("[^"]*"|[^,}]*)`);
  lines[i] = re.test(lines[i]!) ? lines[i]!.replace(re, `"${field}":${rng.pick(HOSTILE_VALUES)}`) : `${lines[i]!.slice(0, -1)},"${field}":${rng.pick(HOSTILE_VALUES)}}`;
  return lines.join('\n');
}

describe('fuzz: manifests end every case in items or a ManifestError with a line number', () => {
  it('parseManifest on mutated text', async () => {
    const rng = new Rng(SEED + 6);
    const tally = new FuzzTally('manifest.jsonl (parseManifest)');
    const base = manifestText(rng);
    const bytes = new TextEncoder().encode(base);
    expect(parseManifest(base, '/data', 'fuzz.jsonl').items).toHaveLength(24);
    for (let i = 0; i < 3000; i++) {
      const text = rng.next() < 0.3 ? mutateManifestField(base, rng) : new TextDecoder().decode(mutate(bytes, rng).bytes);
      await timed(tally, `manifest case ${i} (seed ${SEED + 6})`, () => {
        try {
          const { items, lines } = parseManifest(text, '/data', 'fuzz.jsonl');
          return items.length === lines.length ? { ok: true } : { crash: `manifest case ${i}: ${items.length} items, ${lines.length} lines` };
        } catch (e) {
          if (e instanceof ManifestError && e.line >= 1 && e.message.startsWith(`fuzz.jsonl:${e.line}: `)) return { error: e.code };
          throw e;
        }
      });
    }
    finish(tally);
  });

  it('readManifest on mutated files (strict UTF-8, line numbers)', async () => {
    const rng = new Rng(SEED + 7);
    const tally = new FuzzTally('manifest.jsonl (readManifest)');
    const bytes = new TextEncoder().encode(manifestText(rng));
    for (let i = 0; i < 300; i++) {
      const path = join(dir, `m${i}.jsonl`);
      const mutated = rng.next() < 0.3 ? concat(bytes.subarray(0, 40), new Uint8Array([rng.pick([0xff, 0xc3, 0xe2, 0x80])]), bytes.subarray(40)) : mutate(bytes, rng).bytes;
      await writeFile(path, mutated);
      await timed(tally, `readManifest case ${i} (seed ${SEED + 7})`, async () => {
        try {
          await readManifest(path, { verify: false });
          return { ok: true };
        } catch (e) {
          if (e instanceof ManifestError) return { error: e.code };
          throw e;
        }
      });
    }
    finish(tally);
  });
});

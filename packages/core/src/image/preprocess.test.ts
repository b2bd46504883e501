// Parity with the reference preprocessing (PIL bicubic / nearest on the fixture PNGs).
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { CLIP_MEAN, CLIP_STD, normalizeClip } from './normalize';
import { preprocessImage, preprocessMask } from './preprocess';
import type { RawImage } from './raw-image';
import { resizeBicubicPil } from './resize-bicubic';
import { toRgb } from './convert';

/** Reads one F64 tensor from a safetensors file (8-byte LE header length, JSON header, data). */
function readF64(path: string, key: string): { shape: number[]; data: Float64Array } {
  const buf = readFileSync(path);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const entry = header[key];
  if (!entry) throw new Error(`${path}: no tensor ${key}`);
  expect(entry.dtype).toBe('F64');
  const [a, b] = entry.data_offsets;
  const bytes = buf.subarray(8 + headerLen + a, 8 + headerLen + b);
  const data = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { shape: entry.shape, data };
}

async function decodePng(path: string): Promise<RawImage> {
  const meta = await sharp(path).metadata();
  const gray = meta.space === 'b-w';
  const { data, info } = await sharp(path, { ignoreIcc: true })
    .toColourspace(gray ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(meta.channels);
  return { width: info.width, height: info.height, channels: info.channels as 1 | 3, data: new Uint8Array(data) };
}

const S = 140;
const expectedPath = fixture('expected.safetensors');

describe('preprocessing parity with the PIL reference (S = 140)', () => {
  it('preprocess.image: bicubic resize matches PIL byte for byte', async () => {
    const img = await decodePng(fixture('preprocess-input.png'));
    expect([img.width, img.height, img.channels]).toEqual([97, 83, 3]);
    const ref = readF64(expectedPath, 'preprocess.image');
    expect(ref.shape).toEqual([3, S, S]);

    // Undo the normalisation of the reference to 8-bit levels (NCHW -> HWC).
    const resized = resizeBicubicPil(toRgb(img), S, S);
    let maxLevelDiff = 0;
    let maxFracOff = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < S * S; p++) {
        const level = (ref.data[c * S * S + p] * CLIP_STD[c] + CLIP_MEAN[c]) * 255;
        maxFracOff = Math.max(maxFracOff, Math.abs(level - Math.round(level)));
        maxLevelDiff = Math.max(maxLevelDiff, Math.abs(Math.round(level) - resized.data[p * 3 + c]));
      }
    }
    expect(maxFracOff).toBeLessThan(1e-3); // 8-bit levels (reference normalised in float32)
    expect(maxLevelDiff).toBe(0);

    // The full pipeline against the float64 reference.
    const x = preprocessImage(img, S);
    expect(x.length).toBe(S * S * 3);
    let maxAbs = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < S * S; p++) {
        maxAbs = Math.max(maxAbs, Math.abs(x[p * 3 + c] - ref.data[c * S * S + p]));
      }
    }
    expect(maxAbs).toBeLessThan(1e-6); // float32 rounding of values within about +-2.2
    expect(normalizeClip(resized)).toEqual(x);
  });

  it('preprocess.mask: nearest resize then != 0 matches exactly', async () => {
    const mask = await decodePng(fixture('preprocess-mask.png'));
    expect([mask.width, mask.height, mask.channels]).toEqual([97, 83, 1]);
    const ref = readF64(expectedPath, 'preprocess.mask');
    expect(ref.shape).toEqual([1, S, S]);
    const m = preprocessMask(mask, S);
    let mismatches = 0;
    let ones = 0;
    for (let p = 0; p < S * S; p++) {
      if (m[p] !== ref.data[p]) mismatches++;
      ones += m[p];
    }
    expect(mismatches).toBe(0);
    expect(ones).toBeGreaterThan(0);
    expect(ones).toBeLessThan(S * S);
  });
});

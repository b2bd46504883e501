import { describe, expect, it } from 'vitest';
import { decodeBmp, isBmp } from './decode-bmp';
import { ImageDecodeError } from './image-decode-error';

interface BmpSpec {
  width: number;
  /** Negative for top-down files. */
  height: number;
  bpp: number;
  compression?: number;
  header?: 12 | 40 | 108 | 124;
  palette?: [number, number, number][];
  colorsUsed?: number;
  masks?: number[];
  /** Pixel payload exactly as stored (rows padded, file order). */
  pixels: Uint8Array;
}

/** Minimal BMP writer for the tests. */
function buildBmp(s: BmpSpec): Uint8Array {
  const header = s.header ?? 40;
  const extraMasks = header === 40 && s.masks ? s.masks.length * 4 : 0;
  const entry = header === 12 ? 3 : 4;
  const palette = s.palette ?? [];
  const offset = 14 + header + extraMasks + palette.length * entry;
  const buf = new Uint8Array(offset + s.pixels.length);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, header, true);
  if (header === 12) {
    dv.setUint16(18, s.width, true);
    dv.setUint16(20, s.height, true);
    dv.setUint16(22, 1, true);
    dv.setUint16(24, s.bpp, true);
  } else {
    dv.setInt32(18, s.width, true);
    dv.setInt32(22, s.height, true);
    dv.setUint16(26, 1, true);
    dv.setUint16(28, s.bpp, true);
    dv.setUint32(30, s.compression ?? 0, true);
    dv.setUint32(34, s.pixels.length, true);
    dv.setUint32(38, 2835, true);
    dv.setUint32(42, 2835, true);
    dv.setUint32(46, s.colorsUsed ?? 0, true);
    (s.masks ?? []).forEach((m, i) => dv.setUint32(54 + i * 4, m, true));
  }
  palette.forEach(([r, g, b], i) => buf.set([b, g, r], 14 + header + extraMasks + i * entry));
  buf.set(s.pixels, offset);
  return buf;
}

/** Concatenates rows, each padded with zeros to a multiple of 4 bytes. */
function rows(...r: number[][]): Uint8Array {
  const padded = r.map((row) => [...row, ...new Array((4 - (row.length % 4)) % 4).fill(0)]);
  return new Uint8Array(padded.flat());
}

const dump = (img: { width: number; height: number; channels: number; data: Uint8Array }) => [
  img.width,
  img.height,
  img.channels,
  Array.from(img.data),
];

describe('decodeBmp', () => {
  it('24-bit, bottom-up and top-down, with row padding', () => {
    // 3 x 2: top row red, green, blue; bottom row white, black, gray(128). Stored BGR.
    const bottomRow = [255, 255, 255, 0, 0, 0, 128, 128, 128];
    const topRow = [0, 0, 255, 0, 255, 0, 255, 0, 0];
    const want = [3, 2, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128]];
    expect(dump(decodeBmp(buildBmp({ width: 3, height: 2, bpp: 24, pixels: rows(bottomRow, topRow) })))).toEqual(want);
    expect(dump(decodeBmp(buildBmp({ width: 3, height: -2, bpp: 24, pixels: rows(topRow, bottomRow) })))).toEqual(want);
  });

  it('32-bit BI_RGB ignores the 4th byte; bit fields honour masks and alpha', () => {
    const px = rows([10, 20, 30, 99, 40, 50, 60, 0]); // BGRX
    expect(dump(decodeBmp(buildBmp({ width: 2, height: 1, bpp: 32, pixels: px })))).toEqual([2, 1, 3, [30, 20, 10, 60, 50, 40]]);
    const v4 = buildBmp({
      width: 2, height: 1, bpp: 32, compression: 3, header: 108,
      masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000], pixels: px,
    });
    expect(dump(decodeBmp(v4))).toEqual([2, 1, 4, [30, 20, 10, 99, 60, 50, 40, 0]]);
    // 40-byte header + 3 masks after it, R in the low byte (RGBX in memory), no alpha.
    const rgbx = buildBmp({ width: 2, height: 1, bpp: 32, compression: 3, masks: [0xff, 0xff00, 0xff0000], pixels: px });
    expect(dump(decodeBmp(rgbx))).toEqual([2, 1, 3, [10, 20, 30, 40, 50, 60]]);
  });

  it('16-bit: 5-5-5 by default, 5-6-5 through bit fields', () => {
    // 555: white (0x7fff), pure red (0x7c00), r=1 g=2 b=3 -> floor(v * 255 / 31).
    const px555 = rows([0xff, 0x7f, 0x00, 0x7c, (2 << 5) | 3, (1 << 2) | (2 >> 3)]);
    expect(dump(decodeBmp(buildBmp({ width: 3, height: 1, bpp: 16, pixels: px555 })))).toEqual([
      3, 1, 3, [255, 255, 255, 255, 0, 0, 8, 16, 24],
    ]);
    // 565: g has 6 bits: 0x07e0 -> pure green; r=31,g=32,b=0 -> 255, floor(32*255/63)=129, 0.
    const v565 = (31 << 11) | (32 << 5);
    const px565 = rows([0xe0, 0x07, v565 & 255, v565 >> 8]);
    const img = decodeBmp(buildBmp({ width: 2, height: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], pixels: px565 }));
    expect(dump(img)).toEqual([2, 1, 3, [0, 255, 0, 255, 129, 0]]);
  });

  it('1, 4 and 8-bit palettes; gray palettes give one channel', () => {
    // 1-bit, 10 wide: bits 1010011100 -> colours from a 2-entry non-gray palette.
    const pal1: [number, number, number][] = [[0, 0, 255], [255, 255, 0]];
    const img1 = decodeBmp(buildBmp({ width: 10, height: 1, bpp: 1, palette: pal1, pixels: rows([0b10100111, 0b00000000]) }));
    expect(img1.channels).toBe(3);
    const idx1 = [1, 0, 1, 0, 0, 1, 1, 1, 0, 0];
    expect(Array.from(img1.data)).toEqual(idx1.flatMap((i) => pal1[i]!));
    // 4-bit gray palette of 16 levels (17 * i), 3 x 2 bottom-up.
    const gray16 = Array.from({ length: 16 }, (_, i) => [17 * i, 17 * i, 17 * i] as [number, number, number]);
    const img4 = decodeBmp(buildBmp({ width: 3, height: 2, bpp: 4, palette: gray16, pixels: rows([0xab, 0xc0], [0x12, 0x30]) }));
    expect(dump(img4)).toEqual([3, 2, 1, [17, 34, 51, 170, 187, 204]]);
    // 8-bit with colorsUsed = 3; index 7 is past the palette -> gray (7, 7, 7) as in Pillow.
    const pal8: [number, number, number][] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const img8 = decodeBmp(buildBmp({ width: 4, height: 1, bpp: 8, palette: pal8, colorsUsed: 3, pixels: rows([2, 1, 0, 7]) }));
    expect(dump(img8)).toEqual([4, 1, 3, [7, 8, 9, 4, 5, 6, 1, 2, 3, 7, 7, 7]]);
    // OS/2 core header: 3-byte palette entries.
    const core = decodeBmp(buildBmp({ width: 2, height: 1, bpp: 8, header: 12, palette: [[9, 9, 9], [200, 200, 200]], pixels: rows([1, 0]) }));
    expect(dump(core)).toEqual([2, 1, 1, [200, 9]]);
  });

  // Decoded per the BMP specification; checked against Pillow 9.4 except the delta escape,
  // which that version misreads (it consumes 4 bytes).
  it('RLE8 and RLE4', () => {
    const gray = Array.from({ length: 256 }, (_, i) => [i, i, i] as [number, number, number]);
    // 5 x 3, bottom-up: row 0 (bottom): run of 3 x 10, absolute [20, 21] is too short for
    // absolute mode (min 3), so: run 2 x 20; EOL. Row 1: absolute 3 bytes [30, 31, 32] + pad,
    // delta (+1, +1) -> row 2 x 4: run 1 x 40; EOF.
    const rle8 = new Uint8Array([3, 10, 2, 20, 0, 0, 0, 3, 30, 31, 32, 0, 0, 2, 1, 1, 1, 40, 0, 1]);
    const img8 = decodeBmp(buildBmp({ width: 5, height: 3, bpp: 8, compression: 1, palette: gray, pixels: rle8 }));
    expect(dump(img8)).toEqual([5, 3, 1, [0, 0, 0, 0, 40, 30, 31, 32, 0, 0, 10, 10, 10, 20, 20]]);
    // RLE4, 6 x 1: run of 5 alternating 1,2 (byte 0x12); absolute 1 pixel is invalid, so run 1 x 0xf.
    const rle4 = new Uint8Array([5, 0x12, 1, 0xf0, 0, 1]);
    const img4 = decodeBmp(buildBmp({ width: 6, height: 1, bpp: 4, compression: 2, palette: gray.slice(0, 16), pixels: rle4 }));
    expect(dump(img4)).toEqual([6, 1, 1, [1, 2, 1, 2, 1, 15]]);
    // RLE4 absolute run of 3 pixels (2 bytes, already word aligned): 0x34 0x50.
    const abs4 = new Uint8Array([0, 3, 0x34, 0x50, 0, 1]);
    const img4b = decodeBmp(buildBmp({ width: 3, height: 1, bpp: 4, compression: 2, palette: gray.slice(0, 16), pixels: abs4 }));
    expect(dump(img4b)).toEqual([3, 1, 1, [3, 4, 5]]);
  });

  it('throws ImageDecodeError naming the file for bad data', () => {
    const good = buildBmp({ width: 3, height: 2, bpp: 24, pixels: rows([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    expect(isBmp(good)).toBe(true);
    expect(isBmp(new Uint8Array([0x89, 0x50]))).toBe(false);
    const err = (() => {
      try {
        decodeBmp(good.subarray(0, good.length - 5), 'cut.bmp');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).fileName).toBe('cut.bmp');
    expect((err as Error).message).toMatch(/cannot decode image cut\.bmp: BMP: truncated pixel data \(2 rows of 12 bytes\)/);
    expect(() => decodeBmp(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'x.bmp')).toThrow(/x\.bmp: BMP: missing "BM" signature/);
    const jpegInBmp = buildBmp({ width: 1, height: 1, bpp: 24, compression: 4, pixels: rows([0, 0, 0]) });
    expect(() => decodeBmp(jpegInBmp, 'j.bmp')).toThrow(/unsupported compression 4/);
    const zero = buildBmp({ width: 0, height: 1, bpp: 24, pixels: new Uint8Array(4) });
    expect(() => decodeBmp(zero, 'z.bmp')).toThrow(/invalid dimensions 0 x 1/);
    const bpp2 = buildBmp({ width: 1, height: 1, bpp: 2, pixels: new Uint8Array(4) });
    expect(() => decodeBmp(bpp2, 'b.bmp')).toThrow(/unsupported bit depth 2/);
    const rle = buildBmp({ width: 2, height: 2, bpp: 8, compression: 1, palette: [[0, 0, 0]], pixels: new Uint8Array([2, 0]) });
    expect(() => decodeBmp(rle, 'r.bmp')).toThrow(/truncated RLE data/);
  });
});

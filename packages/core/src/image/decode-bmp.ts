// Windows BMP decoder (libvips, hence sharp, has no BMP loader): pure typed-array code.
// Supports BITMAPCOREHEADER / BITMAPINFOHEADER / V2..V5 headers; 1, 4, 8-bit palette
// (uncompressed, RLE4, RLE8), 16 and 32-bit (BI_RGB or bit fields), 24-bit; bottom-up and
// top-down row order.
import { ImageDecodeError } from './image-decode-error';
import type { RawImage8 } from './raw-image';

/** Largest pixel count accepted (guards allocations against corrupt headers). */
const MAX_PIXELS = 1 << 28;

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/**
 * True when `bytes` starts with the BMP signature "BM".
 *
 * @example
 * if (isBmp(bytes)) img = decodeBmp(bytes, 'photo.bmp');
 */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** One colour channel of a bit-field pixel: mask, shift and bit count. */
interface Field {
  mask: number;
  shift: number;
  max: number;
}

function makeField(mask: number): Field {
  mask >>>= 0;
  if (mask === 0) return { mask: 0, shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { mask, shift, max: bits >= 32 ? 0xffffffff : 2 ** bits - 1 };
}

/** Field value scaled to 0..255 (floor(v * 255 / max), as Pillow's 15/16-bit unpackers). */
function fieldValue(px: number, f: Field): number {
  if (f.max === 0) return 0;
  const v = ((px & f.mask) >>> 0) >>> f.shift;
  return f.max === 255 ? v : Math.floor((v * 255) / f.max);
}

/**
 * Decodes a Windows BMP file to an 8-bit image. Palette images come out as 1-channel gray
 * when every palette entry is gray, else RGB; 24-bit and 32-bit BI_RGB as RGB (the 4th byte
 * of 32-bit BI_RGB pixels is ignored, as Pillow does); bit-field images with an alpha mask
 * as RGBA. Throws {@link ImageDecodeError} naming `name` for corrupt or unsupported files.
 *
 * @param bytes the whole file.
 * @param name file name (or label) used in error messages.
 * @example
 * const img = decodeBmp(readFileSync('x.bmp'), 'x.bmp'); // { width, height, channels, data }
 */
export function decodeBmp(bytes: Uint8Array, name = 'BMP data'): RawImage8 {
  const fail = (reason: string): ImageDecodeError => new ImageDecodeError(name, `BMP: ${reason}`);
  if (!isBmp(bytes)) throw fail('missing "BM" signature');
  if (bytes.length < 26) throw fail(`file too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (14 + headerSize > bytes.length) throw fail(`header of ${headerSize} bytes exceeds the file (${bytes.length} bytes)`);

  let width: number;
  let height: number;
  let bpp: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let paletteEntry = 4;
  if (headerSize === 12) {
    width = dv.getUint16(18, true);
    height = dv.getUint16(20, true);
    bpp = dv.getUint16(24, true);
    paletteEntry = 3;
  } else if (headerSize >= 40) {
    width = dv.getInt32(18, true);
    height = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    compression = dv.getUint32(30, true);
    colorsUsed = dv.getUint32(46, true);
  } else {
    throw fail(`unsupported DIB header size ${headerSize}`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0 || width * height > MAX_PIXELS) {
    throw fail(`invalid dimensions ${width} x ${height}`);
  }

  // Bit-field masks: inside V2+ headers, or right after a 40-byte header.
  let paletteStart = 14 + headerSize;
  let fields: [Field, Field, Field, Field] | null = null;
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bpp !== 16 && bpp !== 32) throw fail(`bit fields need 16 or 32 bits per pixel, got ${bpp}`);
    let at = 54;
    let withAlpha = compression === BI_ALPHABITFIELDS || headerSize >= 56;
    if (headerSize < 52) {
      at = 14 + headerSize;
      paletteStart += compression === BI_ALPHABITFIELDS ? 16 : 12;
      withAlpha = compression === BI_ALPHABITFIELDS;
      if (paletteStart > bytes.length) throw fail('truncated bit-field masks');
    }
    fields = [
      makeField(dv.getUint32(at, true)),
      makeField(dv.getUint32(at + 4, true)),
      makeField(dv.getUint32(at + 8, true)),
      makeField(withAlpha ? dv.getUint32(at + 12, true) : 0),
    ];
  } else if (compression === BI_RGB) {
    if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw fail(`unsupported bit depth ${bpp}`);
    if (bpp === 16) fields = [makeField(0x7c00), makeField(0x03e0), makeField(0x001f), makeField(0)];
  } else if (compression === BI_RLE8 || compression === BI_RLE4) {
    const want = compression === BI_RLE8 ? 8 : 4;
    if (bpp !== want) throw fail(`RLE${want} compression with ${bpp} bits per pixel`);
    if (topDown) throw fail('RLE compression cannot be top-down');
  } else {
    throw fail(`unsupported compression ${compression} (only BI_RGB, RLE4, RLE8 and bit fields)`);
  }
  if (pixelOffset >= bytes.length) throw fail(`pixel data offset ${pixelOffset} beyond the file (${bytes.length} bytes)`);

  const n = width * height;
  if (bpp > 8) {
    const channels = bpp === 24 || !fields || fields[3].max === 0 ? 3 : 4;
    const rowSize = Math.floor((bpp * width + 31) / 32) * 4;
    if (pixelOffset + rowSize * height > bytes.length) throw fail(`truncated pixel data (${height} rows of ${rowSize} bytes)`);
    const out = new Uint8Array(n * channels);
    for (let y = 0; y < height; y++) {
      const src = pixelOffset + (topDown ? y : height - 1 - y) * rowSize;
      let o = y * width * channels;
      for (let x = 0; x < width; x++, o += channels) {
        if (fields) {
          const px = bpp === 16 ? dv.getUint16(src + x * 2, true) : dv.getUint32(src + x * 4, true);
          out[o] = fieldValue(px, fields[0]);
          out[o + 1] = fieldValue(px, fields[1]);
          out[o + 2] = fieldValue(px, fields[2]);
          if (channels === 4) out[o + 3] = fieldValue(px, fields[3]);
        } else {
          const s = src + x * (bpp >> 3); // BGR or BGRX
          out[o] = bytes[s + 2];
          out[o + 1] = bytes[s + 1];
          out[o + 2] = bytes[s];
        }
      }
    }
    return { width, height, channels, data: out };
  }

  // Palette images.
  const maxColors = 1 << bpp;
  const available = Math.floor((Math.min(pixelOffset, bytes.length) - paletteStart) / paletteEntry);
  const count = Math.min(colorsUsed > 0 ? colorsUsed : maxColors, maxColors, Math.max(available, 0));
  if (count <= 0) throw fail(`missing palette for ${bpp}-bit image`);
  // Entries past `count` are a gray ramp (i, i, i), as in Pillow's default palette.
  const palette = new Uint8Array(maxColors * 3);
  for (let i = count; i < maxColors; i++) palette.fill(i, i * 3, i * 3 + 3);
  let gray = true;
  for (let i = 0; i < count; i++) {
    const p = paletteStart + i * paletteEntry;
    const [b, g, r] = [bytes[p], bytes[p + 1], bytes[p + 2]];
    palette.set([r, g, b], i * 3);
    if (r !== g || g !== b) gray = false;
  }
  const indices =
    compression === BI_RGB
      ? unpackIndices(bytes, pixelOffset, width, height, bpp, topDown, fail)
      : decodeRle(bytes, pixelOffset, width, height, compression === BI_RLE4, fail);
  const channels = gray ? 1 : 3;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const c = indices[i] * 3;
    if (gray) {
      out[i] = palette[c];
    } else {
      out[i * 3] = palette[c];
      out[i * 3 + 1] = palette[c + 1];
      out[i * 3 + 2] = palette[c + 2];
    }
  }
  return { width, height, channels, data: out };
}

/** Palette indices of an uncompressed 1/4/8-bit image, top row first. */
function unpackIndices(
  bytes: Uint8Array,
  offset: number,
  width: number,
  height: number,
  bpp: number,
  topDown: boolean,
  fail: (r: string) => Error,
): Uint8Array {
  const rowSize = Math.floor((bpp * width + 31) / 32) * 4;
  if (offset + rowSize * height > bytes.length) throw fail(`truncated pixel data (${height} rows of ${rowSize} bytes)`);
  const perByte = 8 / bpp;
  const mask = (1 << bpp) - 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = offset + (topDown ? y : height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const byte = bytes[src + Math.floor(x / perByte)];
      const shift = 8 - bpp * ((x % perByte) + 1);
      out[y * width + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

/** Palette indices of an RLE8 / RLE4 image (bottom-up), top row first; skipped pixels are 0. */
function decodeRle(
  bytes: Uint8Array,
  offset: number,
  width: number,
  height: number,
  rle4: boolean,
  fail: (r: string) => Error,
): Uint8Array {
  const out = new Uint8Array(width * height);
  let x = 0;
  let y = 0; // counted from the bottom row
  let p = offset;
  const put = (v: number): void => {
    if (x < width && y < height) out[(height - 1 - y) * width + x] = v;
    x++;
  };
  while (y < height) {
    if (p + 1 >= bytes.length) throw fail('truncated RLE data');
    const count = bytes[p];
    const value = bytes[p + 1];
    p += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(rle4 ? (i & 1 ? value & 15 : value >> 4) : value);
    } else if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      break;
    } else if (value === 2) {
      if (p + 1 >= bytes.length) throw fail('truncated RLE delta');
      x += bytes[p];
      y += bytes[p + 1];
      p += 2;
    } else {
      const nBytes = rle4 ? Math.ceil(value / 2) : value;
      if (p + nBytes > bytes.length) throw fail('truncated RLE absolute run');
      for (let i = 0; i < value; i++) {
        put(rle4 ? (i & 1 ? bytes[p + (i >> 1)] & 15 : bytes[p + (i >> 1)] >> 4) : bytes[p + i]);
      }
      p += nBytes + (nBytes & 1);
    }
  }
  return out;
}

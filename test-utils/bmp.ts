// Test helper: a minimal 24-bit BMP (BITMAPINFOHEADER, BI_RGB, bottom-up rows padded to 4 bytes).

/** A w x h 24-bit BMP with its 54-byte header written; callers fill the pixel bytes (from 54). */
export function bmp24Header(w: number, h: number): { buf: Uint8Array; rowSize: number } {
  const rowSize = Math.ceil((w * 3) / 4) * 4;
  const buf = new Uint8Array(54 + rowSize * h);
  const dv = new DataView(buf.buffer);
  buf.set([0x42, 0x4d]);
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  return { buf, rowSize };
}

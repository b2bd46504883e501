/**
 * The 'jet' colormap (matplotlib's `jet`, which OpenCV's COLORMAP_JET closely follows):
 * dark blue -> blue -> cyan -> yellow -> red -> dark red.
 */

/** Piecewise-linear control points [x, value] of one channel (x ascending, 0..1). */
type Segments = ReadonlyArray<readonly [number, number]>;

// matplotlib's _jet_data segment table (values in 0..1).
const JET_RED: Segments = [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]];
const JET_GREEN: Segments = [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]];
const JET_BLUE: Segments = [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]];

function evalSegments(seg: Segments, t: number): number {
  for (let i = 1; i < seg.length; i++) {
    const [x1, y1] = seg[i];
    if (t <= x1) {
      const [x0, y0] = seg[i - 1];
      return y0 + ((t - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return seg[seg.length - 1][1];
}

/**
 * Jet colour of `t` as 8-bit RGB (each channel rounded). `t` is clamped to [0, 1]:
 * 0 is dark blue (0, 0, 128), 0.5 a light green (123, 255, 123), 1 dark red (128, 0, 0).
 *
 * @throws RangeError when `t` is NaN.
 * @example
 * jetColormap(0); // [0, 0, 128]
 * jetColormap(1); // [128, 0, 0]
 */
export function jetColormap(t: number): [number, number, number] {
  if (typeof t !== 'number' || Number.isNaN(t)) throw new RangeError(`jetColormap: t must be a number, got ${String(t)}`);
  const x = t <= 0 ? 0 : t >= 1 ? 1 : t;
  return [
    Math.round(evalSegments(JET_RED, x) * 255),
    Math.round(evalSegments(JET_GREEN, x) * 255),
    Math.round(evalSegments(JET_BLUE, x) * 255),
  ];
}

function buildJetLut(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(jetColormap(i / 255), i * 3);
  return lut;
}

/**
 * 256-entry jet lookup table, RGB interleaved: entry `i` (bytes `3i..3i+2`) is `jetColormap(i / 255)`.
 * Treat it as read-only.
 *
 * @example
 * const i = 200; const [r, g, b] = JET_LUT.subarray(3 * i, 3 * i + 3);
 */
export const JET_LUT: Uint8Array = /* @__PURE__ */ buildJetLut();

/**
 * LUT index of a value already in [0, 1]: `floor(t * 255)` (like `np.uint8(255 * t)` before
 * `cv2.applyColorMap`), clamped to 0..255.
 *
 * @example
 * jetIndex(1); // 255
 */
export function jetIndex(t: number): number {
  if (!(t > 0)) return 0; // also NaN
  return t >= 1 ? 255 : Math.floor(t * 255);
}

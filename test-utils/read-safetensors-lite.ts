// Minimal test-only safetensors reader (F32/F64/I32) for comparing against expected values.
import { readFileSync } from 'node:fs';

export interface LiteTensor {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

export function readSafetensorsFile(path: string): Map<string, LiteTensor> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, LiteTensor>();
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const [s, e] = v.data_offsets;
    const bytes = buf.subarray(base + s, base + e);
    const copy = new Uint8Array(bytes); // aligned copy
    let data: LiteTensor['data'];
    if (v.dtype === 'F32') data = new Float32Array(copy.buffer);
    else if (v.dtype === 'F64') data = new Float64Array(copy.buffer);
    else if (v.dtype === 'I32') data = new Int32Array(copy.buffer);
    else throw new Error(`lite reader: dtype ${v.dtype} of ${k}`);
    out.set(k, { shape: v.shape, data });
  }
  return out;
}

/** NCHW -> NHWC for a flat array. */
export function nchwToNhwc(src: ArrayLike<number>, [b, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(b! * c! * h! * w!);
  for (let n = 0; n < b!; n++)
    for (let ch = 0; ch < c!; ch++)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++) out[((n * h! + y) * w! + x) * c! + ch] = src[((n * c! + ch) * h! + y) * w! + x]!;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

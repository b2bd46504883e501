// UTF-8 encoding and decoding without TextEncoder/TextDecoder, so the tokenizer runs on any
// JavaScript engine. Decoding replaces malformed input with U+FFFD one "maximal subpart" at a
// time (the WHATWG / Unicode recommendation, which is also what Python's
// `bytes.decode('utf-8', errors='replace')` does for the inputs CLIP can produce).

const REPLACEMENT = 0xfffd;
const CHUNK = 8192;

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD (EF BF BD).
 *
 * @example
 * utf8Encode('é'); // Uint8Array [0xc3, 0xa9]
 */
export function utf8Encode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`utf8Encode: text must be a string, got ${typeof text}`);
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = REPLACEMENT;
      }
    }
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return out.slice(0, n);
}

/** Bounds of the second byte of a sequence that starts with `lead` (Unicode Table 3-7). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * Decodes UTF-8 bytes to a string; each malformed subsequence becomes one U+FFFD.
 *
 * @example
 * utf8Decode(new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])); // 'café'
 * utf8Decode([0xe2, 0x82]); // '\uFFFD' (truncated sequence)
 */
export function utf8Decode(bytes: ArrayLike<number>): string {
  if (bytes == null || typeof bytes.length !== 'number') {
    throw new TypeError('utf8Decode: bytes must be a Uint8Array or an array of byte values');
  }
  const len = bytes.length;
  const units = new Uint16Array(len * 2);
  let n = 0;
  let i = 0;
  while (i < len) {
    const b0 = bytes[i] & 0xff;
    if (b0 < 0x80) {
      units[n++] = b0;
      i++;
      continue;
    }
    let need: number;
    let cp: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
    } else {
      units[n++] = REPLACEMENT;
      i++;
      continue;
    }
    const [lo, hi] = secondByteRange(b0);
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const b = j < len ? bytes[j] & 0xff : -1;
      const min = k === 0 ? lo : 0x80;
      const max = k === 0 ? hi : 0xbf;
      if (b < min || b > max) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) {
      units[n++] = REPLACEMENT;
      i = j; // skip the maximal subpart; the offending byte is examined again
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[n++] = 0xd800 + (cp >> 10);
      units[n++] = 0xdc00 + (cp & 0x3ff);
    } else {
      units[n++] = cp;
    }
    i = j;
  }
  let s = '';
  for (let k = 0; k < n; k += CHUNK) {
    // fromCharCode accepts any array-like of code units; typed arrays avoid a copy
    s += String.fromCharCode.apply(null, units.subarray(k, Math.min(n, k + CHUNK)) as unknown as number[]);
  }
  return s;
}

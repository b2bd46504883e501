// UTF-8 through the platform's TextEncoder / TextDecoder (every browser, Node, Deno, Bun).
// Decoding replaces each malformed subsequence with one U+FFFD ("maximal subpart", WHATWG),
// which is what Python's `bytes.decode('utf-8', errors='replace')` does; a leading BOM is
// kept, as Python's 'utf-8' codec keeps it.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD (EF BF BD).
 *
 * @example
 * utf8Encode('é'); // Uint8Array [0xc3, 0xa9]
 */
export function utf8Encode(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError(`utf8Encode: text must be a string, got ${typeof text}`);
  return encoder.encode(text);
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
  return decoder.decode(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes, (b) => b & 0xff));
}

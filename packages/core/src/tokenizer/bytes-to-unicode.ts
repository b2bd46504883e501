// GPT-2 / CLIP's reversible map from the 256 byte values to printable Unicode characters, so that
// byte-level BPE symbols are ordinary strings without whitespace or control characters.

export interface ByteUnicodeTable {
  /** `byteToChar[b]` is the character that stands for byte `b`. */
  readonly byteToChar: readonly string[];
  /** Inverse of `byteToChar`. */
  readonly charToByte: ReadonlyMap<string, number>;
  /**
   * The characters in the order of Python's `bytes_to_unicode().values()`: the printable bytes
   * '!'..'~', '¡'..'¬', '®'..'ÿ' first, then the remaining bytes (mapped to U+0100 onwards) in
   * increasing byte order. This is the order of the first 256 CLIP vocabulary entries.
   */
  readonly vocabOrder: readonly string[];
}

let table: ByteUnicodeTable | undefined;

function isPrintableByte(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/**
 * Returns the byte <-> character table of CLIP's `bytes_to_unicode` (built once).
 *
 * @example
 * bytesToUnicode().byteToChar[0x20]; // 'Ġ' (space)
 * bytesToUnicode().vocabOrder[0]; // '!'
 */
export function bytesToUnicode(): ByteUnicodeTable {
  if (table) return table;
  const byteToChar: string[] = new Array(256);
  const printable: string[] = [];
  const others: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (isPrintableByte(b)) {
      byteToChar[b] = String.fromCharCode(b);
      printable.push(byteToChar[b]);
    } else {
      byteToChar[b] = String.fromCharCode(256 + n++);
      others.push(byteToChar[b]);
    }
  }
  const charToByte = new Map<string, number>();
  byteToChar.forEach((c, b) => charToByte.set(c, b));
  table = { byteToChar, charToByte, vocabOrder: [...printable, ...others] };
  return table;
}

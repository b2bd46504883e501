/**
 * Minimal zip reader over an in-memory archive: parses the central directory (zip64
 * included) and returns STORED members as zero-copy subarray views; DEFLATE members are
 * inflated with fflate. Enough for PyTorch's archives (torch.save, TorchScript).
 *
 * Hostile archives: every offset and length is checked against the archive before it is
 * read; an inflated member is allocated at its declared size only when that size is
 * plausible (at most 1032x its compressed size, deflate's maximum ratio, and within
 * `maxBytes`), and must inflate to exactly that size. Failures are
 * {@link WeightFormatError}s (`BAD_ARCHIVE`, `TRUNCATED`, `OUT_OF_BOUNDS`, `UNSUPPORTED`, `LIMIT`).
 */
import { inflateSync } from 'fflate';
import { WeightFormatError, type WeightFormatErrorCode } from './weight-format-error';

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function fail(msg: string, code: WeightFormatErrorCode = 'BAD_ARCHIVE', key?: string): never {
  throw new WeightFormatError(code, `zip: ${msg}`, { key });
}

/** Deflate cannot compress better than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

/** Options of {@link readZipEntry}. */
export interface ReadZipEntryOptions {
  /** Most bytes an inflated member may allocate (default 2 GiB). */
  maxBytes?: number;
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`64-bit field at ${at} is too large (${v})`);
  return Number(v);
}

function findEocd(bytes: Uint8Array, view: DataView): number {
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  for (let p = bytes.length - 22; p >= min; p--) {
    if (view.getUint32(p, true) === EOCD_SIG && p + 22 + view.getUint16(p + 20, true) <= bytes.length) return p;
  }
  fail(`no end-of-central-directory record found in ${bytes.length} bytes (not a zip archive or truncated)`, 'TRUNCATED');
}

/**
 * Lists an archive's members from its central directory.
 *
 * @example listZipEntries(bytes).map((e) => e.name) // ['archive/data.pkl', 'archive/data/0', ...]
 */
export function listZipEntries(bytes: Uint8Array): ZipEntry[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('listZipEntries: expected a Uint8Array');
  if (bytes.length < 22) fail(`archive is ${bytes.length} bytes, too short`, 'TRUNCATED');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(bytes, view);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) fail('zip64 end-of-central-directory locator missing');
    const rec = u64(view, loc + 8);
    if (rec + 56 > bytes.length || view.getUint32(rec, true) !== ZIP64_EOCD_SIG) fail(`bad zip64 end record offset ${rec}`, 'OUT_OF_BOUNDS');
    count = u64(view, rec + 32);
    cdSize = u64(view, rec + 40);
    cdOffset = u64(view, rec + 48);
  }
  if (cdOffset + cdSize > bytes.length) fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) is outside the ${bytes.length}-byte archive`, 'OUT_OF_BOUNDS');
  if (count > cdSize / 46) fail(`central directory of ${cdSize} bytes cannot hold ${count} entries`);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL_SIG) fail(`central directory entry ${i} at ${p} is corrupt`);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdOffset + cdSize) fail(`central directory entry ${i} runs past the directory`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: only the fields whose 32-bit value is saturated, in order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) fail(`extra field of '${name}' runs past its ${extraLen}-byte extra area`, 'BAD_ARCHIVE', name);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) fail(`zip64 extra field of '${name}' is too short`, 'BAD_ARCHIVE', name);
          const v = u64(view, q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return entries;
}

/**
 * Returns a member's bytes: a subarray view of `bytes` for stored members (no copy), an
 * inflated copy for deflated ones.
 *
 * @example const pkl = readZipEntry(bytes, entries.find((e) => e.name.endsWith('/data.pkl'))!);
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, opts: ReadZipEntryOptions = {}): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = entry.name;
  const h = entry.localHeaderOffset;
  for (const [field, v] of [['localHeaderOffset', h], ['compressedSize', entry.compressedSize], ['size', entry.size]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) fail(`member '${name}' has invalid ${field} ${v}`, 'BAD_ARCHIVE', name);
  }
  if (h > bytes.length - 30 || view.getUint32(h, true) !== LOCAL_SIG) fail(`bad local header for '${name}' at ${h}`, 'BAD_ARCHIVE', name);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) fail(`member '${name}' [${start}, ${end}) runs past the ${bytes.length}-byte archive`, 'TRUNCATED', name);
  const raw = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) fail(`stored member '${name}' has size ${entry.size} != ${entry.compressedSize}`, 'SIZE_MISMATCH', name);
    return raw;
  }
  if (entry.method === 8) {
    const maxBytes = opts.maxBytes ?? 2 ** 31;
    if (entry.size > raw.length * MAX_DEFLATE_RATIO + 64) {
      fail(`member '${name}' claims ${entry.size} bytes from ${raw.length} compressed bytes, more than deflate can produce`, 'SIZE_MISMATCH', name);
    }
    if (entry.size > maxBytes) fail(`member '${name}' inflates to ${entry.size} bytes, more than the ${maxBytes} allowed`, 'LIMIT', name);
    let out: Uint8Array;
    try {
      // One spare byte: a stream longer than declared fills it and is caught below.
      out = inflateSync(raw, { out: new Uint8Array(entry.size + 1) });
    } catch (e) {
      return fail(`member '${name}' has a corrupt deflate stream (${(e as Error).message})`, 'BAD_ARCHIVE', name);
    }
    if (out.length !== entry.size) fail(`member '${name}' inflated to ${out.length > entry.size ? 'more than' : out.length} bytes, expected ${entry.size}`, 'SIZE_MISMATCH', name);
    return out;
  }
  fail(`member '${name}' uses unsupported compression method ${entry.method}`, 'UNSUPPORTED', name);
}

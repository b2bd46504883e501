import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { listZipEntries, readZipEntry } from './zip-reader';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A one-member STORED zip64 archive written by hand (sizes and offset in the zip64 extra field). */
function zip64(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = enc(name);
  const parts: number[] = [];
  const u16 = (v: number): void => void parts.push(v & 0xff, v >>> 8);
  const u32 = (v: number): void => void parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  const u64 = (v: number): void => { u32(v); u32(0); };
  // local header
  u32(0x04034b50); u16(45); u16(0); u16(0); u16(0); u16(0); u32(0); u32(payload.length); u32(payload.length);
  u16(nameBytes.length); u16(0); parts.push(...nameBytes, ...payload);
  const cd = parts.length;
  u32(0x02014b50); u16(45); u16(45); u16(0); u16(0); u16(0); u16(0); u32(0);
  u32(0xffffffff); u32(0xffffffff); u16(nameBytes.length); u16(28); u16(0); u16(0); u16(0); u32(0); u32(0xffffffff);
  parts.push(...nameBytes);
  u16(0x0001); u16(24); u64(payload.length); u64(payload.length); u64(0);
  const cdSize = parts.length - cd;
  const eocd64 = parts.length;
  u32(0x06064b50); u64(44); u16(45); u16(45); u32(0); u32(0); u64(1); u64(1); u64(cdSize); u64(cd);
  u32(0x07064b50); u32(0); u64(eocd64); u32(1);
  u32(0x06054b50); u16(0); u16(0); u16(0xffff); u16(0xffff); u32(0xffffffff); u32(0xffffffff); u16(0);
  return new Uint8Array(parts);
}

describe('zip reader', () => {
  it('returns stored members as views and inflates deflated ones', () => {
    const big = enc('hello '.repeat(100));
    const bytes = zipSync({ 'a/stored': [big, { level: 0 }], 'a/deflated': [big, { level: 9 }] });
    const entries = listZipEntries(bytes);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([['a/stored', 0, 600], ['a/deflated', 8, 600]]);
    const stored = readZipEntry(bytes, entries[0]!);
    expect(stored.buffer).toBe(bytes.buffer);
    expect(stored).toEqual(big);
    expect(entries[1]!.compressedSize).toBeLessThan(600);
    expect(readZipEntry(bytes, entries[1]!)).toEqual(big);
  });

  it('reads zip64 records and extra fields', () => {
    const bytes = zip64('archive/data.pkl', enc('payload!'));
    const [entry] = listZipEntries(bytes);
    expect(entry).toEqual({ name: 'archive/data.pkl', method: 0, compressedSize: 8, size: 8, localHeaderOffset: 0 });
    expect(new TextDecoder().decode(readZipEntry(bytes, entry!))).toBe('payload!');
  });

  it('rejects corrupt archives', () => {
    const bytes = zipSync({ x: [enc('abc'), { level: 0 }] });
    expect(() => listZipEntries(bytes.subarray(0, bytes.length - 5))).toThrow(/no end-of-central-directory record/);
    const badCd = bytes.slice();
    badCd[bytes.length - 6] = 0xff; // central directory offset -> far outside
    expect(() => listZipEntries(badCd)).toThrow(/central directory .* is outside/);
    const [entry] = listZipEntries(bytes);
    expect(() => readZipEntry(bytes, { ...entry!, localHeaderOffset: 5 })).toThrow(/bad local header for 'x' at 5/);
    expect(() => readZipEntry(bytes, { ...entry!, compressedSize: 10_000, size: 10_000 })).toThrow(/runs past/);
  });
});

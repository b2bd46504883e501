/**
 * Test-only helpers that assemble pickle opcodes and torch zip archives by hand, to build
 * small (and deliberately malformed) inputs. Not exported from the package.
 */
import { zipSync } from 'fflate';

type Chunk = number | readonly number[] | Uint8Array;

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export const OP = {
  PROTO2: [0x80, 2], MARK: 0x28, STOP: 0x2e, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, EMPTY_TUPLE: 0x29,
  EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, SETITEM: 0x73, SETITEMS: 0x75, APPEND: 0x61, REDUCE: 0x52, BUILD: 0x62,
  NEWOBJ: 0x81, BINPERSID: 0x51, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, POP: 0x30, DUP: 0x32,
} as const;

/** Concatenates opcodes and operands into pickle bytes. */
export function pk(...chunks: Chunk[]): Uint8Array {
  const out: number[] = [];
  for (const c of chunks) {
    if (typeof c === 'number') out.push(c);
    else for (const b of c) out.push(b);
  }
  return new Uint8Array(out);
}

/** BINUNICODE. */
export const str = (s: string): number[] => {
  const b = new TextEncoder().encode(s);
  return [0x58, ...u32(b.length), ...b];
};
/** BININT (signed 32-bit). */
export const int = (n: number): number[] => [0x4a, ...u32(n >>> 0)];
/** GLOBAL 'module name'. */
export const glob = (module: string, name: string): number[] => [0x63, ...ascii(`${module}\n${name}\n`)];
/** A tuple of ints built with MARK ... TUPLE. */
export const intTuple = (xs: number[]): number[] => [OP.MARK, ...xs.flatMap(int), OP.TUPLE];

export interface TensorSpec {
  storage: string;
  key: string;
  numel: number;
  offset: number;
  size: number[];
  stride: number[];
}

/** `torch._utils._rebuild_tensor_v2(persid(('storage', torch.<storage>, key, 'cpu', numel)), offset, size, stride, False, OrderedDict())`. */
export function tensorOps(t: TensorSpec): number[] {
  return [
    ...glob('torch._utils', '_rebuild_tensor_v2'),
    OP.MARK,
    OP.MARK, ...str('storage'), ...glob('torch', t.storage), ...str(t.key), ...str('cpu'), ...int(t.numel), OP.TUPLE,
    OP.BINPERSID,
    ...int(t.offset), ...intTuple(t.size), ...intTuple(t.stride), OP.NEWFALSE,
    ...glob('collections', 'OrderedDict'), OP.EMPTY_TUPLE, OP.REDUCE,
    OP.TUPLE, OP.REDUCE,
  ];
}

/** A pickle of `{name: tensor, ...}` (protocol 2). */
export function stateDictPickle(tensors: Record<string, TensorSpec>): Uint8Array {
  const items = Object.entries(tensors).flatMap(([name, t]) => [...str(name), ...tensorOps(t)]);
  return pk(OP.PROTO2, OP.EMPTY_DICT, OP.MARK, items, OP.SETITEMS, OP.STOP);
}

/** A torch-style zip: `<prefix>/data.pkl`, `<prefix>/data/<key>` members (stored unless `level` > 0). */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, prefix = 'archive', level: 0 | 6 = 0, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = { [`${prefix}/data.pkl`]: [pickle, { level }] };
  for (const [k, v] of Object.entries(storages)) files[`${prefix}/data/${k}`] = [v, { level }];
  for (const [k, v] of Object.entries(extra)) files[`${prefix}/${k}`] = [v, { level }];
  files[`${prefix}/version`] = [new TextEncoder().encode('3\n'), { level }];
  return zipSync(files);
}

/** Little-endian bytes of float32 values. */
export const f32Bytes = (xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

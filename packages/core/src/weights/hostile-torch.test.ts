import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { glob, int, intTuple, OP, pk, stateDictPickle, str, tensorOps, torchZip, f32Bytes, type TensorSpec } from '../../../../test-utils/pickle-builder';
import { PickleRecord, unpickle } from './pickle';
import { flattenTensors } from './tensor-tree';
import { readTorchCheckpoint } from './torch-zip';
import { readTorchFile } from './torchscript';
import { WeightFormatError, type WeightFormatErrorCode } from './weight-format-error';
import { listZipEntries, readZipEntry } from './zip-reader';

function caught(fn: () => unknown): WeightFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WeightFormatError) return e;
    throw new Error(`expected a WeightFormatError, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('expected a WeightFormatError, nothing was thrown');
}

const spec = (over: Partial<TensorSpec>): TensorSpec => ({ storage: 'FloatStorage', key: '0', numel: 6, offset: 0, size: [6], stride: [1], ...over });
const six = f32Bytes([0, 1, 2, 3, 4, 5]);
const checkpoint = (tensors: Record<string, TensorSpec>, storages: Record<string, Uint8Array> = { 0: six }): Uint8Array => torchZip(stateDictPickle(tensors), storages);
const codeOf = (bytes: Uint8Array): WeightFormatErrorCode => caught(() => readTorchCheckpoint(bytes)).code;

describe('pickle: hostile programs', () => {
  it('refuses every global outside the allow-list by default, naming it', () => {
    const e = caught(() => unpickle(pk(OP.PROTO2, glob('builtins', 'eval'), str('1'), OP.TUPLE1, OP.REDUCE, OP.STOP), { fileName: 'evil.pkl' }));
    expect(e.code).toBe('UNSAFE_GLOBAL');
    expect(e.message).toBe("evil.pkl: pickle: global 'builtins.eval' is not on the allow-list (refused; nothing was executed) (opcode at byte 2)");
    const stack = pk(OP.PROTO2, str('subprocess'), str('Popen'), 0x93, OP.STOP);
    expect(caught(() => unpickle(stack)).code).toBe('UNSAFE_GLOBAL');
    // recordClasses lets one module prefix through as inert records
    const scripted = pk(OP.PROTO2, glob('__torch__.m', 'Root'), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.STOP);
    expect(unpickle(scripted, { recordClasses: ['__torch__.'] })).toBeInstanceOf(PickleRecord);
    expect(caught(() => unpickle(scripted)).code).toBe('UNSAFE_GLOBAL');
  });

  it('bounds integers, protocol versions and text lines', () => {
    expect(caught(() => unpickle(pk(OP.PROTO2, 0x8b, 0x00, 0x08, 0x00, 0x00, new Uint8Array(2048), OP.STOP))).code).toBe('LIMIT');
    expect(caught(() => unpickle(pk(0x80, 9, OP.NONE, OP.STOP))).code).toBe('UNSUPPORTED');
    expect(caught(() => unpickle(pk(OP.PROTO2, 0x49, new Uint8Array(5000).fill(0x31), 0x0a, OP.STOP))).code).toBe('BAD_PICKLE');
    expect(caught(() => unpickle(pk(OP.PROTO2, 0x49, 0x31, 0x31))).code).toBe('TRUNCATED');
    // an 8-byte length larger than what remains fails before any allocation
    expect(caught(() => unpickle(pk(OP.PROTO2, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, OP.STOP))).code).toBe('TRUNCATED');
    expect(caught(() => unpickle(pk(OP.PROTO2, 0x70, 0x2d, 0x31, 0x0a, OP.STOP))).code).toBe('BAD_PICKLE');
  });

  it('builds very long and very deep structures without recursion errors', () => {
    // 300k APPENDS into a record (a spread of that many arguments would overflow the call stack)
    const many = pk(OP.PROTO2, glob('m', 'L'), OP.EMPTY_TUPLE, OP.REDUCE, OP.MARK, new Uint8Array(300_000).fill(OP.NONE), 0x65, OP.STOP);
    expect((unpickle(many, { onUnknownGlobal: 'record' }) as PickleRecord).items).toHaveLength(300_000);
    // 200k nested tuples: ((((None,),),),)
    const nest = pk(OP.PROTO2, OP.NONE, new Uint8Array(200_000).fill(OP.TUPLE1), OP.STOP);
    let v = unpickle(nest);
    let depth = 0;
    while (Array.isArray(v)) [v, depth] = [v[0], depth + 1];
    expect(depth).toBe(200_000);
    let deep: unknown = new Map([['w', { dtype: 'float32', shape: [1], data: new Float32Array(1), sourceDtype: 'F32' }]]);
    for (let i = 0; i < 2000; i++) deep = [deep];
    expect(caught(() => flattenTensors(deep)).code).toBe('LIMIT');
    // a list containing itself is walked once
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(flattenTensors(cyclic).size).toBe(0);
  });

  it('keeps error messages bounded for cyclic or deep arguments', () => {
    // torch.device called with a list that contains itself
    const data = pk(OP.PROTO2, glob('torch', 'device'), OP.EMPTY_LIST, 0x94, OP.DUP, 0x68, 0, 0x61, OP.TUPLE1, OP.REDUCE, OP.STOP);
    const e = caught(() => unpickle(data));
    expect(e.code).toBe('BAD_PICKLE');
    expect(e.message.length).toBeLessThan(300);
  });
});

describe('torch archives: hostile tensors and storages', () => {
  it('rejects a shape of 1e9 x 1e9 before allocating, even on a stride-0 view', () => {
    const before = process.memoryUsage().arrayBuffers;
    const bytes = torchZip(pk(OP.PROTO2, OP.EMPTY_DICT, str('w'), ...[
      ...glob('torch._utils', '_rebuild_tensor_v2'), OP.MARK,
      OP.MARK, ...str('storage'), ...glob('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), ...int(6), OP.TUPLE, OP.BINPERSID,
      ...int(0), OP.MARK, 0x8a, 4, 0x00, 0xca, 0x9a, 0x3b, 0x8a, 4, 0x00, 0xca, 0x9a, 0x3b, OP.TUPLE, ...intTuple([0, 0]), OP.NEWFALSE,
      ...glob('collections', 'OrderedDict'), OP.EMPTY_TUPLE, OP.REDUCE, OP.TUPLE, OP.REDUCE,
    ], OP.SETITEM, OP.STOP), { 0: six });
    const e = caught(() => readTorchCheckpoint(bytes, { fileName: 'huge.pt' }));
    expect(e.code).toBe('BAD_SHAPE');
    expect(e.file).toBe('huge.pt');
    expect(e.message).toMatch(/^huge\.pt: pickle archive\/data\.pkl: torch\._utils\._rebuild_tensor_v2 \(opcode at byte \d+\): tensor on storage '0' \(FloatStorage, 6 elements\): size has shape \[1000000000, 1000000000\], too many elements/);
    // addressable, inside the storage thanks to zero strides, but 4 GB to materialise: over the allowance
    expect(codeOf(checkpoint({ w: spec({ size: [1_000_000, 1000], stride: [0, 0] }) }))).toBe('LIMIT');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // a legitimately expanded view within the allowance still works
    expect([...readTorchCheckpoint(checkpoint({ w: spec({ size: [3, 2], stride: [0, 1] }) })).tensors.get('w')!.data]).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('computes view extents without overflow', () => {
    expect(codeOf(checkpoint({ w: spec({ size: [2, 2], stride: [2 ** 31 - 1, 2 ** 31 - 1] }) }))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(checkpoint({ w: spec({ offset: 2 ** 31 - 1, size: [1], stride: [1] }) }))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(checkpoint({ w: spec({ offset: 7, size: [0], stride: [1] }) }))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(checkpoint({ w: spec({ size: [2], stride: [1, 1] }) }))).toBe('BAD_SHAPE');
  });

  it('requires storages to hold exactly numel x itemsize bytes, consistently', () => {
    const e = caught(() => readTorchCheckpoint(checkpoint({ w: spec({ numel: 5, size: [5] }) })));
    expect(e.code).toBe('SIZE_MISMATCH');
    expect(e.message).toMatch(/storage '0' \(FloatStorage\) declares 5 elements \(20 bytes\) but holds 24 bytes/);
    expect(codeOf(checkpoint({ a: spec({ size: [2] }), b: spec({ numel: 2, size: [2] }) }))).toBe('SIZE_MISMATCH');
    expect(codeOf(checkpoint({ w: spec({ storage: 'DoubleStorage' }) }))).toBe('SIZE_MISMATCH');
    expect(codeOf(checkpoint({ w: spec({ numel: 2 ** 31 - 1, size: [1] }) }))).toBe('SIZE_MISMATCH');
  });

  it('does not let _rebuild_from_type_v2 forward to itself', () => {
    const chain = pk(OP.PROTO2, glob('torch._tensor', '_rebuild_from_type_v2'), OP.MARK,
      glob('torch._tensor', '_rebuild_from_type_v2'), glob('torch', 'Tensor'), OP.EMPTY_TUPLE, OP.EMPTY_DICT, OP.TUPLE, OP.REDUCE, OP.STOP);
    expect(caught(() => unpickle(chain)).code).toBe('UNSAFE_GLOBAL');
    // the normal form (forwarding to _rebuild_tensor_v2 with torch.Tensor as the type) works
    const ops = tensorOps(spec({ size: [2] }));
    const normal = pk(OP.PROTO2, OP.EMPTY_DICT, str('w'), glob('torch._tensor', '_rebuild_from_type_v2'), OP.MARK,
      glob('torch._utils', '_rebuild_tensor_v2'), glob('torch', 'Tensor'), ops.slice(ops.indexOf(OP.MARK), ops.length - 1), OP.EMPTY_DICT,
      OP.TUPLE, OP.REDUCE, OP.SETITEM, OP.STOP);
    expect([...readTorchCheckpoint(torchZip(normal, { 0: six })).tensors.get('w')!.data]).toEqual([0, 1]);
  });

  it('rejects two tensors that flatten to the same name', () => {
    const e = caught(() => readTorchFile(torchZip(pk(OP.PROTO2, OP.EMPTY_DICT, OP.MARK,
      str('a.b'), tensorOps(spec({})), str('a'), OP.EMPTY_DICT, str('b'), tensorOps(spec({})), OP.SETITEM,
      OP.SETITEMS, OP.STOP), { 0: six }), { fileName: 'dup.pt' }));
    expect([e.code, e.key, e.message]).toEqual(['DUPLICATE_KEY', 'a.b', "dup.pt: flattenTensors: two tensors are named 'a.b'"]);
  });
});

describe('zip structures: hostile archives', () => {
  it('rejects duplicate member names', () => {
    const bytes = checkpoint({ w: spec({}) }, { 0: six, 1: six });
    const text = new TextDecoder('latin1').decode(bytes).replaceAll('archive/data/1', 'archive/data/0');
    const dup = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(caught(() => readTorchCheckpoint(dup)).code).toBe('DUPLICATE_KEY');
  });

  it('refuses deflated members whose declared size is implausible or wrong, before allocating it', () => {
    const payload = new Uint8Array(1000).fill(3);
    const zip = zipSync({ m: [payload, { level: 6 }] });
    const [entry] = listZipEntries(zip);
    const before = process.memoryUsage().arrayBuffers;
    expect(caught(() => readZipEntry(zip, { ...entry!, size: 2 ** 32 - 1 })).code).toBe('SIZE_MISMATCH');
    expect(caught(() => readZipEntry(zip, { ...entry!, size: 999 })).code).toBe('SIZE_MISMATCH');
    expect(caught(() => readZipEntry(zip, { ...entry!, size: 1001 })).code).toBe('SIZE_MISMATCH');
    expect(caught(() => readZipEntry(zip, entry!, { maxBytes: 500 })).code).toBe('LIMIT');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(readZipEntry(zip, entry!)).toEqual(payload);
    const corrupt = zip.slice();
    corrupt[40] ^= 0xff;
    expect(caught(() => readZipEntry(corrupt, entry!)).code).toMatch(/BAD_ARCHIVE|SIZE_MISMATCH/);
  });

  it('bounds extra fields to their area', () => {
    const zip = zipSync({ m: [new Uint8Array(4), { level: 0 }] });
    const view = new DataView(zip.buffer);
    const cd = zip.length - 22 - (46 + 1);
    // Grow the central directory entry's extra area by 4 bytes holding a field that claims 255.
    const grown = new Uint8Array(zip.length + 4);
    grown.set(zip.subarray(0, cd + 47));
    grown.set([0x01, 0x00, 0xff, 0x00], cd + 47);
    grown.set(zip.subarray(cd + 47), cd + 51);
    const g = new DataView(grown.buffer);
    g.setUint16(cd + 30, 4, true);
    g.setUint32(grown.length - 22 + 12, view.getUint32(zip.length - 22 + 12, true) + 4, true);
    expect(caught(() => listZipEntries(grown)).message).toMatch(/extra field of 'm' runs past its 4-byte extra area/);
  });
});

describe('error messages name the file once', () => {
  it('a missing storage member inside a named archive', () => {
    const bytes = checkpoint({ w: spec({ key: '9' }) });
    const e = caught(() => readTorchCheckpoint(bytes, { fileName: 'adapter.pth' }));
    expect([e.code, e.file, e.key]).toEqual(['BAD_ARCHIVE', 'adapter.pth', '9']);
    expect(e.message).toMatch(/^adapter\.pth: pickle archive\/data\.pkl: persistent id \(opcode at byte \d+\): storage '9' not found: no member archive\/data\/9$/);
  });

  it('a corrupt zip member read through the pickle', () => {
    const bytes = checkpoint({ w: spec({}) });
    const entry = listZipEntries(bytes).find((x) => x.name === 'archive/data/0')!;
    const broken = bytes.slice();
    broken[entry.localHeaderOffset] = 0; // breaks the local header signature
    const e = caught(() => readTorchCheckpoint(broken, { fileName: 'adapter.pth' }));
    expect(e.message.match(/adapter\.pth/g)).toHaveLength(1);
    expect(e.message).toMatch(/torch: zip: bad local header for 'archive\/data\/0'/);
  });
});

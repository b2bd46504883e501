import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import type { TensorMap } from './named-tensor';
import { PickleRecord } from './pickle';
import { f32Bytes, glob, OP, pk, stateDictPickle, str, torchZip, type TensorSpec } from '../../../../test-utils/pickle-builder';
import { readSafetensors } from './safetensors-reader';
import { readTorchCheckpoint } from './torch-zip';
import { listZipEntries } from './zip-reader';

const load = (name: string): Uint8Array => readFileSync(fixture(name));

function expectSameTensors(actual: TensorMap, expected: TensorMap): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, t] of expected) {
    const a = actual.get(k)!;
    // the .pt stores logit_scale as a 0-d scalar; the safetensors fixtures store it as [1]
    if (k === 'logit_scale') expect(a.data.length).toBe(t.data.length);
    else expect(a.shape, k).toEqual(t.shape);
    expect(a.dtype, k).toBe(t.dtype);
    const bitsA = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    const bitsE = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (Buffer.compare(bitsA, bitsE) !== 0) throw new Error(`tensor ${k} differs`);
  }
}

const spec = (over: Partial<TensorSpec>): TensorSpec => ({ storage: 'FloatStorage', key: '0', numel: 6, offset: 0, size: [6], stride: [1], ...over });
const six = f32Bytes([0, 1, 2, 3, 4, 5]);

describe('readTorchCheckpoint on fixtures', () => {
  it('reads clip-openai.pt bit-for-bit equal to clip-openai.safetensors, zero-copy', () => {
    const bytes = load('clip-openai.pt');
    const { root, tensors } = readTorchCheckpoint(bytes);
    expect(root).toBeInstanceOf(Map);
    expect(tensors.get('logit_scale')!.shape).toEqual([]);
    expectSameTensors(tensors, readSafetensors(load('clip-openai.safetensors')).tensors);
    const w = tensors.get('visual.conv1.weight')!;
    expect(w.sourceDtype).toBe('FloatStorage');
    expect(w.data.buffer).toBe(bytes.buffer);
  });

  it('reads the official adapter checkpoints', () => {
    const reference = readSafetensors(load('adapters.safetensors')).tensors;
    const text = readTorchCheckpoint(load('text_adapter.pth'));
    const image = readTorchCheckpoint(load('image_adapter_1.pth'));
    const root = text.root as Map<string, unknown>;
    expect(root.get('epoch')).toBe(5);
    expect(root.get('text_optimizer')).toEqual(new Map());
    expect((root.get('text_adapter') as Map<string, unknown>).size).toBe(4);
    const merged: TensorMap = new Map([...text.tensors, ...image.tensors]);
    expectSameTensors(merged, reference);
  });
});

describe('readTorchCheckpoint on constructed archives', () => {
  it('honours storage offsets, strides and shared storages', () => {
    const pkl = stateDictPickle({
      all: spec({ size: [2, 3], stride: [3, 1] }),
      tail: spec({ offset: 2, size: [2], stride: [1] }),
      transposed: spec({ size: [3, 2], stride: [1, 3] }),
      column: spec({ offset: 1, size: [2], stride: [3] }),
      expanded: spec({ offset: 4, size: [2, 2], stride: [0, 1] }),
      scalar: spec({ offset: 5, size: [], stride: [] }),
      empty: spec({ offset: 0, size: [0, 4], stride: [4, 1] }),
    });
    const bytes = torchZip(pkl, { 0: six });
    expect(listZipEntries(bytes).every((e) => e.method === 0)).toBe(true);
    const { tensors } = readTorchCheckpoint(bytes);
    const values = (k: string): number[] => [...(tensors.get(k)!.data as Float32Array)];
    expect(values('all')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tensors.get('all')!.shape).toEqual([2, 3]);
    expect(values('tail')).toEqual([2, 3]);
    expect(values('transposed')).toEqual([0, 3, 1, 4, 2, 5]);
    expect(values('column')).toEqual([1, 4]);
    expect(values('expanded')).toEqual([4, 5, 4, 5]);
    expect(values('scalar')).toEqual([5]);
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(tensors.get('empty')!.shape).toEqual([0, 4]);
    expect(tensors.get('empty')!.data.length).toBe(0);
  });

  it('decodes half, bfloat16, double, long and int storages', () => {
    const half = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]);
    const bf16 = new Uint8Array([0x80, 0x3f, 0x49, 0x40]);
    const pkl = stateDictPickle({
      h: spec({ storage: 'HalfStorage', key: 'h', numel: 3, size: [3] }),
      hstrided: spec({ storage: 'HalfStorage', key: 'h', numel: 3, size: [2], stride: [2] }),
      b: spec({ storage: 'BFloat16Storage', key: 'b', numel: 2, size: [2] }),
      d: spec({ storage: 'DoubleStorage', key: 'd', numel: 1, size: [1] }),
      l: spec({ storage: 'LongStorage', key: 'l', numel: 2, size: [2] }),
      i: spec({ storage: 'IntStorage', key: 'i', numel: 2, size: [2] }),
    });
    const storages = {
      h: half, b: bf16,
      d: new Uint8Array(new Float64Array([Math.E]).buffer),
      l: new Uint8Array(new BigInt64Array([-3n, 2n ** 60n]).buffer),
      i: new Uint8Array(new Int32Array([-7, 9]).buffer),
    };
    for (const level of [0, 6] as const) {
      const { tensors } = readTorchCheckpoint(torchZip(pkl, storages, 'my-model', level));
      expect(tensors.get('h')).toMatchObject({ dtype: 'float32', sourceDtype: 'HalfStorage' });
      expect([...tensors.get('h')!.data]).toEqual([1, -2, 0.5]);
      expect([...tensors.get('hstrided')!.data]).toEqual([1, 0.5]);
      expect([...tensors.get('b')!.data]).toEqual([1, 3.140625]);
      expect([...tensors.get('d')!.data]).toEqual([Math.E]);
      expect(tensors.get('l')!.data).toEqual(new BigInt64Array([-3n, 2n ** 60n]));
      expect([...tensors.get('i')!.data]).toEqual([-7, 9]);
    }
  });

  it('rejects a tensor view reaching outside its storage', () => {
    const outside = torchZip(stateDictPickle({ w: spec({ offset: 4, size: [3] }) }), { 0: six });
    expect(() => readTorchCheckpoint(outside)).toThrow(/view offset 4, size \[3\], stride \[1\] reaches element 6, outside the storage/);
    const strided = torchZip(stateDictPickle({ w: spec({ size: [2, 2], stride: [5, 1] }) }), { 0: six });
    expect(() => readTorchCheckpoint(strided)).toThrow(/reaches element 6/);
    const negative = torchZip(stateDictPickle({ w: spec({ size: [2], stride: [-1] }) }), { 0: six });
    expect(() => readTorchCheckpoint(negative)).toThrow(/stride must be a tuple of non-negative integers/);
  });

  it('rejects storages smaller than declared or missing', () => {
    const short = torchZip(stateDictPickle({ w: spec({ numel: 8, size: [8] }) }), { 0: six });
    expect(() => readTorchCheckpoint(short)).toThrow(/storage '0' \(FloatStorage\) declares 8 elements \(32 bytes\) but holds 24 bytes/);
    const missing = torchZip(stateDictPickle({ w: spec({ key: '7' }) }), { 0: six });
    expect(() => readTorchCheckpoint(missing)).toThrow(/no member archive\/data\/7/);
  });

  it('refuses unknown globals by default and records them when asked', () => {
    const pkl = pk(OP.PROTO2, OP.EMPTY_DICT, str('x'), glob('numpy.core.multiarray', 'scalar'), OP.EMPTY_TUPLE, OP.REDUCE, OP.SETITEM, OP.STOP);
    const bytes = torchZip(pkl, {});
    expect(() => readTorchCheckpoint(bytes, { onUnknownGlobal: 'error' })).toThrow(/'numpy.core.multiarray.scalar' is not on the allow-list/);
    expect(() => readTorchCheckpoint(bytes)).toThrow(expect.objectContaining({ code: 'UNSAFE_GLOBAL' }));
    const { root } = readTorchCheckpoint(bytes, { onUnknownGlobal: 'record' });
    expect((root as Map<string, unknown>).get('x')).toBeInstanceOf(PickleRecord);
  });

  it('rejects non-zip, legacy and truncated files', () => {
    expect(() => readTorchCheckpoint(new Uint8Array([0x80, 0x02, 0x8a, 0x0a]))).toThrow(/legacy \(pre-1.6, non-zip\)/);
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3, 4]))).toThrow(/not a zip archive/);
    const good = load('text_adapter.pth');
    expect(() => readTorchCheckpoint(good.subarray(0, good.length - 30))).toThrow(/zip: /);
    const noPkl = torchZip(pk(OP.PROTO2, OP.NONE, OP.STOP), {}, 'a/b');
    expect(() => readTorchCheckpoint(noPkl)).toThrow(/no data.pkl/);
  });
});

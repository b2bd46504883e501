import { describe, expect, it } from 'vitest';
import { glob, int, OP, pk, str } from '../../../../test-utils/pickle-builder';
import { PickleGlobal, PickleRecord, unpickle } from './pickle';

const hex = (h: string): Uint8Array => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

// pickle.dumps({'a': [1, 2.5, None, True, False], 'b': (b'xy', 'ü中'), 'c': 2**70, 'd': -5, 'e': -(2**40),
//   'f': 70000, 'g': (), 'h': (1,), 'i': (1, 2, 3, 4), 'o': OrderedDict([('k', 1)]), 's': {1}}, protocol=p)
const PROTO2 =
  '80027d71002858010000006171015d7102284b014740040000000000004e8889655801000000627103635f636f646563730a656e636f64650a710458020000007879710558060000006c6174696e3171068671075271085805000000c3bce4b8ad710986710a580100000063710b8a09000000000000000040580100000064710c4afbffffff580100000065710d8a060000000000ff580100000066710e4a70110100580100000067710f2958010000006871104b018571115801000000697112284b014b024b034b0474711358010000006f711463636f6c6c656374696f6e730a4f726465726564446963740a71152952711658010000006b71174b01735801000000737118635f5f6275696c74696e5f5f0a7365740a71195d711a4b016185711b52711c752e';
const PROTO4 =
  '800495ad000000000000007d94288c0161945d94284b014740040000000000004e8889658c01629443027879948c05c3bce4b8ad9486948c0163948a090000000000000000408c0164944afbffffff8c0165948a060000000000ff8c0166944a701101008c016794298c0168944b0185948c016994284b014b024b034b0474948c016f948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c0173948f94284b0190752e';
// class mymod.Foo with x = 3, name = 'n'; pickle.dumps(Foo(), protocol=2)
const FOO = '8002636d796d6f640a466f6f0a7100298171017d71022858010000007871034b0358040000006e616d65710458010000006e710575622e';
// l = [7]; pickle.dumps([l, l], protocol=2)
const SHARED = '80025d7100285d71014b07616801652e';

describe('unpickle: values produced by CPython', () => {
  for (const [name, h] of [['protocol 2', PROTO2], ['protocol 4', PROTO4]] as const) {
    it(`decodes a mixed dict (${name})`, () => {
      const v = unpickle(hex(h)) as Map<string, unknown>;
      expect(v).toBeInstanceOf(Map);
      expect([...v.keys()]).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'o', 's']);
      expect(v.get('a')).toEqual([1, 2.5, null, true, false]);
      const [b, s] = v.get('b') as [Uint8Array, string];
      expect([...b]).toEqual([0x78, 0x79]);
      expect(s).toBe('ü中');
      expect(v.get('c')).toBe(2n ** 70n);
      expect(v.get('d')).toBe(-5);
      expect(v.get('e')).toBe(-(2 ** 40));
      expect(v.get('f')).toBe(70000);
      expect(v.get('g')).toEqual([]);
      expect(v.get('h')).toEqual([1]);
      expect(v.get('i')).toEqual([1, 2, 3, 4]);
      expect(v.get('o')).toEqual(new Map([['k', 1]]));
      expect(v.get('s')).toEqual(new Set([1]));
    });
  }

  it('turns unknown classes into records with their BUILD state', () => {
    const v = unpickle(hex(FOO), { onUnknownGlobal: 'record' });
    expect(v).toBeInstanceOf(PickleRecord);
    const r = v as PickleRecord;
    expect(r.__class__).toBe('mymod.Foo');
    expect(r.args).toEqual([]);
    expect(r.state).toEqual(new Map<string, unknown>([['x', 3], ['name', 'n']]));
  });

  it('rejects unknown classes in error mode', () => {
    expect(() => unpickle(hex(FOO), { onUnknownGlobal: 'error' })).toThrow(/global 'mymod.Foo' is not on the allow-list/);
  });

  it('keeps memoised objects shared', () => {
    const v = unpickle(hex(SHARED)) as unknown[][];
    expect(v).toEqual([[7], [7]]);
    expect(v[0]).toBe(v[1]);
  });
});

describe('unpickle: safety', () => {
  it('never calls anything: os.system is refused by default, an inert record when asked', () => {
    const data = pk(OP.PROTO2, glob('os', 'system'), str('rm -rf /'), OP.TUPLE1, OP.REDUCE, OP.STOP);
    expect(() => unpickle(data)).toThrow(/'os.system' is not on the allow-list/);
    expect(() => unpickle(data, { onUnknownGlobal: 'error' })).toThrow(expect.objectContaining({ code: 'UNSAFE_GLOBAL' }));
    const r = unpickle(data, { onUnknownGlobal: 'record' }) as PickleRecord;
    expect(r).toBeInstanceOf(PickleRecord);
    expect(r.__class__).toBe('os.system');
    expect(r.args).toEqual(['rm -rf /']);
  });

  it('leaves an uncalled unknown global as a reference in record mode', () => {
    const v = unpickle(pk(OP.PROTO2, glob('numpy', 'float32'), OP.STOP), { onUnknownGlobal: 'record' });
    expect(v).toEqual(new PickleGlobal('numpy', 'float32'));
  });

  it('rejects truncated input', () => {
    const full = hex(PROTO2);
    expect(() => unpickle(full.subarray(0, 40))).toThrow(/truncated or corrupt pickle/);
    expect(() => unpickle(full.subarray(0, full.length - 1))).toThrow(/truncated/);
  });

  it('rejects stack underflow, bad memo keys, unknown opcodes and leftovers', () => {
    expect(() => unpickle(pk(OP.PROTO2, OP.POP, OP.STOP))).toThrow(/stack underflow \(opcode at byte 2\)/);
    expect(() => unpickle(pk(OP.PROTO2, 0x68, 9, OP.STOP))).toThrow(/memo key 9 is not defined/);
    expect(() => unpickle(pk(OP.PROTO2, 0xff, OP.STOP))).toThrow(/unsupported opcode 0xff/);
    expect(() => unpickle(pk(OP.PROTO2, OP.NONE, OP.NONE, OP.STOP))).toThrow(/STOP with 2 values/);
    expect(() => unpickle(pk(OP.PROTO2, OP.TUPLE, OP.STOP))).toThrow(/no MARK/);
    expect(() => unpickle(pk(OP.PROTO2, OP.NONE, OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP))).toThrow(/REDUCE on a value that is not callable \(None\)/);
    expect(() => unpickle(pk(OP.PROTO2, OP.NONE, OP.NONE, OP.NONE, OP.SETITEM, OP.STOP))).toThrow(/SETITEM on None/);
    expect(() => unpickle(pk(OP.PROTO2, str('x'), OP.BINPERSID, OP.STOP))).toThrow(/no persistentLoad/);
  });

  it('bounds the stack, MARK nesting and the memo', () => {
    const deep = pk(OP.PROTO2, new Array(2000).fill(OP.MARK), OP.STOP);
    expect(() => unpickle(deep, { maxStackDepth: 1000 })).toThrow(/exceeds maxStackDepth 1000/);
    const many = pk(OP.PROTO2, OP.EMPTY_LIST, ...Array.from({ length: 50 }, (_, i) => [0x71, i]), OP.STOP);
    expect(() => unpickle(many, { maxMemoEntries: 20 })).toThrow(/exceeds maxMemoEntries 20/);
    expect(unpickle(many)).toEqual([]);
  });

  it('supports extra allow-listed globals', () => {
    const data = pk(OP.PROTO2, glob('numpy', 'float32'), OP.STOP);
    expect(unpickle(data, { globals: { 'numpy.float32': 'f32' }, onUnknownGlobal: 'error' })).toBe('f32');
  });

  it('decodes negative and large integers', () => {
    expect(unpickle(pk(OP.PROTO2, int(-123456), OP.STOP))).toBe(-123456);
    expect(unpickle(pk(OP.PROTO2, 0x8a, 2, 0xff, 0x7f, OP.STOP))).toBe(32767);
    expect(unpickle(pk(OP.PROTO2, 0x8a, 1, 0xff, OP.STOP))).toBe(-1);
    expect(unpickle(pk(OP.PROTO2, 0x8a, 0, OP.STOP))).toBe(0);
  });
});

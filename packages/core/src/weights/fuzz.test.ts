/**
 * Bounded fuzzing of the weight readers: thousands of seeded mutations of the fixture
 * files (safetensors, torch.save zips, a TorchScript-style archive). Every case must end in
 * a parse or a WeightFormatError; anything else (TypeError, RangeError, ...) is a crash and
 * fails the test. Each case is timed and the bytes it allocates are measured.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { checkFinite } from './check-finite';
import { concat, FuzzTally, mutate, Rng, type Focus } from '../../../../test-utils/fuzz-mutators';
import type { TensorMap } from './named-tensor';
import { glob, OP, pk, str, tensorOps, torchZip } from '../../../../test-utils/pickle-builder';
import { decodeWeightFile } from './read-weights';
import { WeightFormatError } from './weight-format-error';
import { listZipEntries, readZipEntry } from './zip-reader';

const SEED = 20240611;
const PER_CASE_MS = 2000;
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(fixture(name)));
const tallies: FuzzTally[] = [];

afterAll(() => {
  const rows = tallies.map((t) => t.summary());
  const total = rows.reduce((n, r) => n + (r.cases as number), 0);
  console.log(`[fuzz] weight readers: ${total} cases, seed ${SEED}\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
});

/** Runs one case: parse, then checkFinite on success; classifies the outcome. */
function runCase(tally: FuzzTally, bytes: Uint8Array, what: string): void {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let outcome: { ok: true } | { error: string } | { crash: string };
  try {
    const { tensors } = decodeWeightFile(bytes, { fileName: 'fuzz' });
    outcome = finiteOutcome(tensors);
    // measured while the tensors are still referenced
    tally.maxAllocBytes = Math.max(tally.maxAllocBytes, process.memoryUsage().arrayBuffers - before);
  } catch (e) {
    outcome = e instanceof WeightFormatError
      ? { error: e.code }
      : { crash: `${what}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}` };
  }
  const ms = performance.now() - t0;
  // failed cases too: what they allocated is garbage but not yet collected
  tally.maxAllocBytes = Math.max(tally.maxAllocBytes, process.memoryUsage().arrayBuffers - before);
  if (ms > PER_CASE_MS) outcome = { crash: `${what}: took ${ms.toFixed(0)} ms` };
  tally.record(outcome, ms);
}

function finiteOutcome(tensors: TensorMap): { ok: true } | { error: string } {
  try {
    checkFinite(tensors);
    return { ok: true };
  } catch (e) {
    if (e instanceof WeightFormatError) return { error: e.code };
    throw e;
  }
}

function check(tally: FuzzTally, inputBytes: number): void {
  tallies.push(tally);
  expect(tally.crashes.slice(0, 5)).toEqual([]);
  expect(tally.maxMs).toBeLessThan(PER_CASE_MS);
  // Nothing may allocate beyond the readers' allowance (4x the file + 16 MiB) plus slack.
  expect(tally.maxAllocBytes).toBeLessThanOrEqual(4 * inputBytes + 17 * 2 ** 20);
}

// ---- safetensors ------------------------------------------------------------------------

const SHAPES: unknown[] = [[1e9, 1e9], [-1], [1.5], ['__INF__'], ['2'], [], [2 ** 53], [0], null, 'abc', [2 ** 31, 2 ** 31, 4], new Array(70).fill(1)];
const DTYPES: unknown[] = ['F8_E4M3', 'U64', '__proto__', 'constructor', 7, null, 'F16', 'F64', 'I8', 'BOOL', 'I64'];

/** A header-aware mutation: edits the JSON header semantically and re-serialises it. */
function mutateSafetensorsHeader(base: Uint8Array, rng: Rng): Uint8Array {
  const n = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(base.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
  const data = base.subarray(8 + n);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = rng.pick(names);
  const entry = header[name]!;
  let text: string | undefined;
  switch (rng.int(9)) {
    case 0: entry.shape = rng.pick(SHAPES); break;
    case 1: {
      const [s, e] = entry.data_offsets as [number, number];
      const other = header[rng.pick(names)]!.data_offsets as [number, number];
      entry.data_offsets = rng.pick([[0, 2 ** 53], [e, s], [-1, e - s - 1], [s], 'x', [s, e + 1], [other[0], other[0] + e - s], [data.length, data.length + e - s], [s + 1, e + 1]]);
      break;
    }
    case 2: entry.dtype = rng.pick(DTYPES); break;
    case 3: delete entry[rng.pick(['dtype', 'shape', 'data_offsets'])]; break;
    case 4: header[name] = rng.pick([null, [], 'x', 1]) as never; break;
    case 5: header.__metadata__ = rng.pick([{ a: 1 }, [], 'x', { format: 'pt' }, { a: { b: 'c' } }]) as never; break;
    case 6: text = rng.pick(['[]', 'null', '1', '"x"', '{}', '{"a":', '{"a": 1}', ' ', '\u00ff\u00fe']); break;
    case 7: text = `{${JSON.stringify(name)}: ${JSON.stringify(entry)}, ${JSON.stringify(header).slice(1)}`; break; // duplicate key
    default: break; // header-length tampering only
  }
  const json = new TextEncoder().encode((text ?? JSON.stringify(header)).replace(/"__INF__"/g, '1e999'));
  const out = concat(new Uint8Array(8), json, data);
  const lengths = [json.length, json.length - 1, json.length + 1, 0, 1, out.length - 8, out.length, 2 ** 32, 2 ** 53];
  new DataView(out.buffer).setBigUint64(0, BigInt(rng.next() < 0.8 ? json.length : rng.pick(lengths)), true);
  return out;
}

function fuzzSafetensors(name: string, cases: number, seed: number): void {
  const base = load(name);
  const headerEnd = 8 + Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
  const focus: Focus = [[0, 8], [8, headerEnd]];
  const rng = new Rng(seed);
  const tally = new FuzzTally(name);
  for (let i = 0; i < cases; i++) {
    const semantic = rng.next() < 0.35;
    const bytes = semantic ? mutateSafetensorsHeader(base, rng) : mutate(base, rng, focus).bytes;
    runCase(tally, bytes, `${name} case ${i} (seed ${seed})`);
  }
  check(tally, base.length);
}

// ---- torch zip archives -----------------------------------------------------------------

interface Archive {
  bytes: Uint8Array;
  prefix: string;
  pkl: Uint8Array;
  storages: Record<string, Uint8Array>;
  focus: Focus;
}

function openArchive(bytes: Uint8Array): Archive {
  const entries = listZipEntries(bytes);
  const pklEntry = entries.find((e) => e.name.endsWith('/data.pkl'))!;
  const prefix = pklEntry.name.slice(0, -'/data.pkl'.length);
  const storages: Record<string, Uint8Array> = {};
  for (const e of entries) if (e.name.startsWith(`${prefix}/data/`)) storages[e.name.slice(prefix.length + 6)] = readZipEntry(bytes, e).slice();
  const pklStart = pklEntry.localHeaderOffset + 30 + pklEntry.name.length;
  const cdStart = Math.min(...entries.map((e) => e.localHeaderOffset + 30 + e.name.length + e.compressedSize));
  const focus: Focus = [[pklStart, pklStart + pklEntry.compressedSize], [cdStart, bytes.length], ...entries.map((e) => [e.localHeaderOffset, e.localHeaderOffset + 30] as const)];
  return { bytes, prefix, pkl: readZipEntry(bytes, pklEntry).slice(), storages, focus };
}

/** Pickle-aware mutation: swaps small-int opcodes for interesting 32/64-bit values, or unsafe globals. */
function mutatePickle(pkl: Uint8Array, rng: Rng): Uint8Array {
  const kind = rng.int(4);
  if (kind === 3) {
    const text = new TextDecoder('latin1').decode(pkl);
    const swapped = text.replace(rng.pick(['collections\nOrderedDict', 'torch\nFloatStorage', 'torch._utils\n_rebuild_tensor_v2']), rng.pick(['os\nsystem', 'builtins\neval', 'torch\nHalfStorage', 'torch\nLongStorage', 'torch._utils\n_rebuild_parameter']));
    return Uint8Array.from(swapped, (c) => c.charCodeAt(0));
  }
  const sites: number[] = [];
  for (let i = 0; i < pkl.length; i++) if (pkl[i] === 0x4b || pkl[i] === 0x4d) sites.push(i);
  if (sites.length === 0 || kind === 2) return mutate(pkl, rng).bytes;
  const at = rng.pick(sites);
  const width = pkl[at] === 0x4b ? 2 : 3;
  const replacement = kind === 0
    ? [0x4a, ...new Uint8Array(new Int32Array([rng.pick([-1, 0, 2 ** 31 - 1, -(2 ** 31), 1 << 20, 65536])]).buffer)]
    : [0x8a, 8, ...new Uint8Array(new BigInt64Array([rng.pick([2n ** 53n, 2n ** 62n, -1n, 2n ** 40n, 2n ** 53n - 1n])]).buffer)];
  return concat(pkl.subarray(0, at), new Uint8Array(replacement), pkl.subarray(at + width));
}

/** Zip-structure-aware mutation: one field of a central-directory entry, local header or the end record. */
function mutateZipField(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const sites: [number, number[]][] = [];
  for (let p = 0; p + 4 <= out.length; p++) {
    const sig = view.getUint32(p, true);
    if (sig === 0x02014b50) sites.push([p, [10, 20, 24, 28, 30, 32, 42]]);
    else if (sig === 0x04034b50) sites.push([p, [8, 18, 22, 26, 28]]);
    else if (sig === 0x06054b50) sites.push([p, [8, 10, 12, 16, 20]]);
  }
  if (sites.length === 0) return mutate(bytes, rng).bytes;
  const [at, fields] = rng.pick(sites);
  const field = at + rng.pick(fields);
  const wide = [18, 20, 22, 24, 42, 12, 16].includes(field - at) && !(view.getUint32(at, true) === 0x06054b50 && field - at === 20);
  const values = wide ? [0, 1, 0x7fffffff, 0xffffffff, out.length, out.length - 1, 0xfffffff0] : [0, 1, 8, 0xffff, 0x7fff, 99];
  if (field + (wide ? 4 : 2) > out.length) return out;
  if (wide) view.setUint32(field, rng.pick(values), true);
  else view.setUint16(field, rng.pick(values), true);
  return out;
}

function fuzzArchive(label: string, base: Uint8Array, cases: number, seed: number, level: 0 | 6 = 0): void {
  const archive = openArchive(base);
  const rng = new Rng(seed);
  const tally = new FuzzTally(label);
  const extra: Record<string, Uint8Array> = label.includes('torchscript') ? { 'constants.pkl': pk(OP.PROTO2, OP.EMPTY_TUPLE, OP.STOP) } : {};
  for (let i = 0; i < cases; i++) {
    const r = rng.next();
    let bytes: Uint8Array;
    if (r < 0.45) bytes = mutate(base, rng, archive.focus).bytes;
    else if (r < 0.6) bytes = mutateZipField(base, rng);
    else if (r < 0.9) bytes = torchZip(mutatePickle(archive.pkl, rng), archive.storages, archive.prefix, level, extra);
    else {
      // storage members resized (by whole elements or odd bytes)
      const storages = { ...archive.storages };
      const key = rng.pick(Object.keys(storages));
      const s = storages[key]!;
      storages[key] = rng.next() < 0.5 ? s.subarray(0, Math.max(0, s.length - 1 - rng.int(8))) : concat(s, new Uint8Array(1 + rng.int(8)));
      bytes = torchZip(archive.pkl, storages, archive.prefix, level, extra);
    }
    runCase(tally, bytes, `${label} case ${i} (seed ${seed})`);
  }
  check(tally, base.length);
}

/** A small TorchScript-like archive over the text adapter's storages: Root{training, adapter: Sub{w0..w3}}. */
function scriptedArchive(level: 0 | 6): Uint8Array {
  const adapter = openArchive(load('text_adapter.pth'));
  const tensors = Object.keys(adapter.storages).map((key) => {
    const numel = adapter.storages[key]!.length / 4;
    return [...str(`w${key}`), ...tensorOps({ storage: 'FloatStorage', key, numel, offset: 0, size: [numel / 32, 32], stride: [32, 1] })];
  });
  const pkl = pk(
    OP.PROTO2,
    glob('__torch__.model', 'Root'), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT, OP.MARK,
    str('training'), OP.NEWFALSE,
    str('adapter'), glob('__torch__.model', 'Sub'), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT, OP.MARK,
    tensors.flat(), str('training'), OP.NEWFALSE,
    OP.SETITEMS, OP.BUILD,
    OP.SETITEMS, OP.BUILD, OP.STOP,
  );
  return torchZip(pkl, adapter.storages, 'scripted', level, { 'constants.pkl': pk(OP.PROTO2, OP.EMPTY_TUPLE, OP.STOP) });
}

describe('fuzz: weight readers end every case in a parse or a WeightFormatError', () => {
  it('adapters.safetensors', () => fuzzSafetensors('adapters.safetensors', 3000, SEED));
  it('inputs.safetensors', () => fuzzSafetensors('inputs.safetensors', 600, SEED + 1));
  it('text_adapter.pth (torch.save zip)', () => fuzzArchive('text_adapter.pth', load('text_adapter.pth'), 2500, SEED + 2));
  it('image_adapter_1.pth (torch.save zip)', () => fuzzArchive('image_adapter_1.pth', load('image_adapter_1.pth'), 800, SEED + 3));
  it('small TorchScript archive (stored and deflated members)', () => {
    const stored = scriptedArchive(0);
    expect([...decodeWeightFile(stored).tensors.keys()]).toEqual(['adapter.w0', 'adapter.w1', 'adapter.w2', 'adapter.w3']);
    expect(decodeWeightFile(stored).format).toBe('torchscript');
    fuzzArchive('scripted.pt (torchscript, stored)', stored, 1000, SEED + 4, 0);
    fuzzArchive('scripted.pt (torchscript, deflated)', scriptedArchive(6), 600, SEED + 5, 6);
  });
});

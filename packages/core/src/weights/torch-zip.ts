/**
 * Reader for PyTorch zip archives (`torch.save` since 1.6, and TorchScript): locates
 * `<prefix>/data.pkl`, resolves persistent storage ids to `<prefix>/data/<key>` members
 * (zero-copy for stored members) and unpickles safely.
 *
 * Hostile archives: the pickle runs in the safe interpreter (allow-listed globals only);
 * member names must be unique; a storage member must hold exactly numel x itemsize bytes;
 * tensor views must lie inside their storage; and everything the reader allocates
 * (inflated members, widened or strided tensor copies) comes out of one allowance of
 * `maxAllocBytes` (default 4x the archive size + 16 MiB). Failures are
 * {@link WeightFormatError}s naming the file (`fileName`) and member or storage.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { unpickle, type PickleOptions } from './pickle';
import { flattenTensors } from './tensor-tree';
import { AllocationBudget, TorchStorage, TorchStorageType, torchPickleGlobals } from './torch-tensor';
import { previewValue, rewrapWeightError, WeightFormatError } from './weight-format-error';
import { listZipEntries, readZipEntry, type ZipEntry } from './zip-reader';

/** An opened torch archive: its member table and the folder prefix (e.g. `'archive/'`). */
export interface TorchArchive {
  bytes: Uint8Array;
  prefix: string;
  entries: Map<string, ZipEntry>;
  /** The caller's label for error messages, if any. */
  fileName?: string;
  /** What reading this archive may still allocate (see `maxAllocBytes`). */
  budget: AllocationBudget;
}

export interface TorchReadOptions {
  /**
   * What a pickled global outside the allow-list does: `'error'` (default, an
   * `UNSAFE_GLOBAL` error) or `'record'` (an inert record; nothing is ever executed).
   */
  onUnknownGlobal?: PickleOptions['onUnknownGlobal'];
  /** File name (or label) used in error messages. */
  fileName?: string;
  /** Most bytes the reader may allocate for this file (default 4x its size + 16 MiB). */
  maxAllocBytes?: number;
}

/** The default allocation allowance for an archive of `size` bytes. */
export function defaultAllocBytes(size: number): number {
  return 4 * size + 16 * 2 ** 20;
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Opens a torch zip archive and finds its `<prefix>/data.pkl`.
 *
 * @example openTorchArchive(bytes).prefix // 'clip-openai/'
 */
export function openTorchArchive(input: Uint8Array | ArrayBuffer, opts: TorchReadOptions = {}): TorchArchive {
  const bytes = asBytes(input, 'openTorchArchive');
  const file = opts.fileName;
  if (!isZip(bytes)) {
    if (bytes[0] === 0x80) {
      throw new WeightFormatError('UNSUPPORTED', 'torch: this is a legacy (pre-1.6, non-zip) torch.save file, which is not supported; re-save it with a recent PyTorch or convert it to safetensors', { file });
    }
    throw new WeightFormatError('NOT_RECOGNIZED', `torch: not a zip archive (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`, { file });
  }
  const entries = new Map<string, ZipEntry>();
  try {
    for (const e of listZipEntries(bytes)) {
      if (entries.has(e.name)) throw new WeightFormatError('DUPLICATE_KEY', `zip: member '${e.name}' appears twice`, { key: e.name });
      entries.set(e.name, e);
    }
  } catch (e) {
    throw rewrapWeightError(e, 'BAD_ARCHIVE', 'torch', { file });
  }
  const pkl = [...entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n)).sort((a, b) => a.length - b.length)[0];
  if (pkl === undefined) {
    throw new WeightFormatError('BAD_ARCHIVE', `torch: no data.pkl in the archive (members: ${[...entries.keys()].slice(0, 5).join(', ')}…)`, { file });
  }
  const limit = opts.maxAllocBytes ?? defaultAllocBytes(bytes.length);
  if (!(limit >= 0)) throw new RangeError(`openTorchArchive: maxAllocBytes must be >= 0, got ${String(opts.maxAllocBytes)}`);
  return { bytes, prefix: pkl.slice(0, -'data.pkl'.length), entries, fileName: file, budget: new AllocationBudget(limit) };
}

/**
 * Reads an archive member relative to the prefix, or undefined when absent.
 *
 * @example readArchiveMember(archive, 'version') // the bytes of '3' and a newline
 */
export function readArchiveMember(archive: TorchArchive, name: string): Uint8Array | undefined {
  const entry = archive.entries.get(archive.prefix + name);
  if (!entry) return undefined;
  try {
    if (entry.method !== 0) archive.budget.charge(entry.size, `member '${entry.name}'`);
    return readZipEntry(archive.bytes, entry);
  } catch (e) {
    throw rewrapWeightError(e, 'BAD_ARCHIVE', 'torch', { file: archive.fileName, key: entry.name });
  }
}

/**
 * Unpickles one pickle of the archive (`data.pkl` by default) with storages taken from
 * `<prefix><storageDir>/<key>`.
 *
 * @example const root = loadArchivePickle(openTorchArchive(bytes));
 */
export function loadArchivePickle(
  archive: TorchArchive,
  pickleName = 'data.pkl',
  storageDir = 'data',
  opts: Pick<TorchReadOptions, 'onUnknownGlobal'> & Pick<PickleOptions, 'recordClasses'> = {},
): unknown {
  const file = archive.fileName;
  const data = readArchiveMember(archive, pickleName);
  if (!data) throw new WeightFormatError('BAD_ARCHIVE', `torch: archive has no ${archive.prefix}${pickleName}`, { file });
  const byteorder = readArchiveMember(archive, 'byteorder');
  if (byteorder && new TextDecoder().decode(byteorder).trim() === 'big') {
    throw new WeightFormatError('UNSUPPORTED', 'torch: big-endian archives (byteorder = big) are not supported', { file });
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new WeightFormatError('UNSUPPORTED', `unsupported persistent id ${previewValue(pid)}`);
    }
    const [, type, key, , numel] = pid as unknown[];
    if (typeof key !== 'string') throw new WeightFormatError('BAD_PICKLE', `storage key ${previewValue(key)} is not a string`);
    if (!(type instanceof TorchStorageType)) throw new WeightFormatError('UNSUPPORTED', `storage '${key}' has an unsupported storage type ${previewValue(type)}`, { key });
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new WeightFormatError('BAD_PICKLE', `storage '${key}' has invalid element count ${previewValue(numel)}`, { key });
    }
    const cached = storages.get(key);
    if (cached) {
      if (cached.type.kind !== type.kind) throw new WeightFormatError('BAD_PICKLE', `storage '${key}' is used with two dtypes (${cached.type.name}, ${type.name})`, { key });
      if (cached.numel !== numel) throw new WeightFormatError('SIZE_MISMATCH', `storage '${key}' is declared with ${cached.numel} and ${numel} elements`, { key });
      return cached;
    }
    const member = readArchiveMember(archive, `${storageDir}/${key}`);
    if (!member) throw new WeightFormatError('BAD_ARCHIVE', `storage '${key}' not found: no member ${archive.prefix}${storageDir}/${key}`, { key });
    const storage = new TorchStorage(type, key, numel, member);
    storages.set(key, storage);
    return storage;
  };
  return unpickle(data, {
    persistentLoad,
    onUnknownGlobal: opts.onUnknownGlobal ?? 'error',
    recordClasses: opts.recordClasses,
    globals: torchPickleGlobals(archive.budget),
    fileName: file,
    member: `${archive.prefix}${pickleName}`,
  });
}

/**
 * Reads a `torch.save` checkpoint: the unpickled root (dicts as Maps, tensors as
 * NamedTensor leaves) and every tensor flattened by dotted path.
 *
 * @example
 * const { root, tensors } = readTorchCheckpoint(bytes);
 * tensors.get('text_adapter.0.fc.0.weight');
 */
export function readTorchCheckpoint(
  input: Uint8Array | ArrayBuffer,
  opts: TorchReadOptions = {},
): { root: unknown; tensors: TensorMap } {
  const archive = openTorchArchive(input, opts);
  const root = loadArchivePickle(archive, 'data.pkl', 'data', opts);
  return { root, tensors: flattenTensors(root, { fileName: archive.fileName }) };
}

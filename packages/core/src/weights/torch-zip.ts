/**
 * Reader for PyTorch zip archives (`torch.save` since 1.6, and TorchScript): locates
 * `<prefix>/data.pkl`, resolves persistent storage ids to `<prefix>/data/<key>` members
 * (zero-copy for stored members) and unpickles safely.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { unpickle, type PickleOptions } from './pickle';
import { flattenTensors } from './tensor-tree';
import { TorchStorage, TorchStorageType } from './torch-tensor';
import { listZipEntries, readZipEntry, type ZipEntry } from './zip-reader';

/** An opened torch archive: its member table and the folder prefix (e.g. `'archive/'`). */
export interface TorchArchive {
  bytes: Uint8Array;
  prefix: string;
  entries: Map<string, ZipEntry>;
}

export interface TorchReadOptions {
  /** What unknown pickled classes become (default 'record'). */
  onUnknownGlobal?: PickleOptions['onUnknownGlobal'];
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Opens a torch zip archive and finds its `<prefix>/data.pkl`.
 *
 * @example openTorchArchive(bytes).prefix // 'clip-openai/'
 */
export function openTorchArchive(input: Uint8Array | ArrayBuffer): TorchArchive {
  const bytes = asBytes(input, 'openTorchArchive');
  if (!isZip(bytes)) {
    if (bytes[0] === 0x80) {
      throw new Error('torch: this is a legacy (pre-1.6, non-zip) torch.save file, which is not supported; re-save it with a recent PyTorch or convert it to safetensors');
    }
    throw new Error(`torch: not a zip archive (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  }
  const entries = new Map<string, ZipEntry>();
  for (const e of listZipEntries(bytes)) entries.set(e.name, e);
  const pkl = [...entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n)).sort((a, b) => a.length - b.length)[0];
  if (pkl === undefined) {
    throw new Error(`torch: no data.pkl in the archive (members: ${[...entries.keys()].slice(0, 5).join(', ')}…)`);
  }
  return { bytes, prefix: pkl.slice(0, -'data.pkl'.length), entries };
}

/**
 * Reads an archive member relative to the prefix, or undefined when absent.
 *
 * @example readArchiveMember(archive, 'version') // the bytes of '3' and a newline
 */
export function readArchiveMember(archive: TorchArchive, name: string): Uint8Array | undefined {
  const entry = archive.entries.get(archive.prefix + name);
  return entry ? readZipEntry(archive.bytes, entry) : undefined;
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
  opts: TorchReadOptions = {},
): unknown {
  const data = readArchiveMember(archive, pickleName);
  if (!data) throw new Error(`torch: archive has no ${archive.prefix}${pickleName}`);
  const byteorder = readArchiveMember(archive, 'byteorder');
  if (byteorder && new TextDecoder().decode(byteorder).trim() === 'big') {
    throw new Error('torch: big-endian archives (byteorder = big) are not supported');
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new Error(`unsupported persistent id ${JSON.stringify(pid, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
    const [, type, key, , numel] = pid as unknown[];
    if (!(type instanceof TorchStorageType)) throw new Error(`storage '${String(key)}' has an unsupported storage type`);
    if (typeof key !== 'string') throw new Error(`storage key ${String(key)} is not a string`);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new Error(`storage '${key}' has invalid element count ${String(numel)}`);
    }
    const cached = storages.get(key);
    if (cached) {
      if (cached.type.kind !== type.kind) throw new Error(`storage '${key}' is used with two dtypes`);
      return cached;
    }
    const member = readArchiveMember(archive, `${storageDir}/${key}`);
    if (!member) throw new Error(`storage '${key}' not found: no member ${archive.prefix}${storageDir}/${key}`);
    const storage = new TorchStorage(type, key, numel, member);
    storages.set(key, storage);
    return storage;
  };
  return unpickle(data, { persistentLoad, onUnknownGlobal: opts.onUnknownGlobal ?? 'record' });
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
  const root = loadArchivePickle(openTorchArchive(input), 'data.pkl', 'data', opts);
  return { root, tensors: flattenTensors(root) };
}

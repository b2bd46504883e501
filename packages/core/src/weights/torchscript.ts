/**
 * TorchScript archives (e.g. OpenAI's released `ViT-L-14-336px.pt`): `data.pkl` holds a
 * tree of `__torch__.*` module objects whose BUILD state maps attribute names to tensors
 * and sub-modules. Parameters are collected by attribute path. Also {@link readTorchFile},
 * which accepts either a TorchScript archive or a plain `torch.save` checkpoint.
 *
 * Only TorchScript archives may name `__torch__.*` classes (they become inert records;
 * nothing is executed); every other global must be on the pickle allow-list.
 */
import { asBytes, type TensorMap } from './named-tensor';
import { PickleRecord } from './pickle-values';
import { flattenTensors } from './tensor-tree';
import { loadArchivePickle, openTorchArchive, type TorchArchive, type TorchReadOptions } from './torch-zip';
import { WeightFormatError } from './weight-format-error';

/** Module prefixes whose classes a TorchScript pickle may instantiate (as inert records). */
export const TORCHSCRIPT_RECORD_CLASSES: readonly string[] = ['__torch__.'];

/**
 * True when the archive is TorchScript (has `constants.pkl` or a `code/` folder).
 *
 * @example isTorchScriptArchive(openTorchArchive(bytes)) // true for OpenAI's ViT-*.pt
 */
export function isTorchScriptArchive(archive: TorchArchive): boolean {
  if (archive.entries.has(`${archive.prefix}constants.pkl`)) return true;
  for (const name of archive.entries.keys()) if (name.startsWith(`${archive.prefix}code/`)) return true;
  return false;
}

function scriptParameters(archive: TorchArchive, opts: TorchReadOptions): TensorMap {
  const root = loadArchivePickle(archive, 'data.pkl', 'data', { onUnknownGlobal: opts.onUnknownGlobal, recordClasses: TORCHSCRIPT_RECORD_CLASSES });
  if (!(root instanceof PickleRecord)) {
    throw new WeightFormatError('BAD_PICKLE', 'readTorchScriptParameters: data.pkl root is not a scripted module object (is this a plain checkpoint?)', { file: archive.fileName });
  }
  return flattenTensors(root, { fileName: archive.fileName });
}

/**
 * Reads every tensor attribute of a TorchScript module tree, by attribute path
 * (e.g. `visual.transformer.resblocks.0.attn.in_proj_weight`). Non-tensor attributes
 * (`training`, hooks, ints) are skipped.
 *
 * @example const tensors = readTorchScriptParameters(bytes, { fileName: 'ViT-L-14-336px.pt' });
 */
export function readTorchScriptParameters(input: Uint8Array | ArrayBuffer, opts: TorchReadOptions = {}): TensorMap {
  return scriptParameters(openTorchArchive(asBytes(input, 'readTorchScriptParameters'), opts), opts);
}

const STATE_DICT_KEYS = ['state_dict', 'model_state_dict'];

/**
 * Reads a `.pt` / `.pth` file of either kind and returns its tensors flat: TorchScript
 * parameters by attribute path, or a checkpoint's tensors by dotted key. A checkpoint whose
 * root dict holds a `state_dict` (or `model_state_dict`) dict is unwrapped to it.
 *
 * @example const tensors = readTorchFile(new Uint8Array(await file.arrayBuffer()), { fileName: 'adapter.pth' });
 */
export function readTorchFile(input: Uint8Array | ArrayBuffer, opts: TorchReadOptions = {}): TensorMap {
  const archive = openTorchArchive(asBytes(input, 'readTorchFile'), opts);
  if (isTorchScriptArchive(archive)) return scriptParameters(archive, opts);
  const root = loadArchivePickle(archive, 'data.pkl', 'data', opts);
  if (root instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const inner = root.get(key);
      if (inner instanceof Map) return flattenTensors(inner, { fileName: archive.fileName });
    }
  }
  return flattenTensors(root, { fileName: archive.fileName });
}

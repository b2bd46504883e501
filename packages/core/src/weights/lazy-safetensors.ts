/**
 * A safetensors TensorMap whose values are read and decoded only when accessed, one tensor at
 * a time, and never kept: a model built tensor by tensor never holds a second copy of the file
 * (Node reads each range from disk, the web decodes from the downloaded bytes; fp16 / bf16 are
 * widened to float32 per tensor). F32 data from bytes in memory stays a zero-copy view.
 */
import { checkFinite } from './check-finite';
import type { NamedTensor, TensorMap } from './named-tensor';
import { decodeSafetensorsEntry, type SafetensorsEntry } from './safetensors-reader';

export interface LazySafetensorsOptions {
  /** File name or URL, prefixed to decode errors. */
  fileName?: string;
  /** Check each float tensor for NaN / Infinity as it is read (a `NON_FINITE` error naming it). Default false. */
  checkFinite?: boolean;
}

/**
 * The tensors of a parsed safetensors header, each decoded from `read(entry)` (its raw bytes)
 * when its `data` is accessed. Read `data` once per use: each access reads and decodes again.
 *
 * @example
 * const header = parseSafetensorsHeader(bytes);
 * const tensors = lazySafetensorsTensors(header.entries, (e) => bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength));
 */
export function lazySafetensorsTensors(entries: readonly SafetensorsEntry[], read: (entry: SafetensorsEntry) => Uint8Array, opts: LazySafetensorsOptions = {}): TensorMap {
  const tensors: TensorMap = new Map();
  const decodeOpts = opts.fileName === undefined ? undefined : { fileName: opts.fileName };
  for (const entry of entries) {
    // the decoded dtype, from an empty decode (no data is touched)
    const probe = decodeSafetensorsEntry({ ...entry, shape: [0], byteLength: 0 }, new Uint8Array(0));
    const tensor = { dtype: probe.dtype, shape: [...entry.shape], sourceDtype: probe.sourceDtype } as NamedTensor;
    Object.defineProperty(tensor, 'data', {
      enumerable: true,
      get: (): NamedTensor['data'] => {
        const t = decodeSafetensorsEntry(entry, read(entry), decodeOpts);
        if (opts.checkFinite) checkFinite(new Map([[entry.name, t]]), opts.fileName); // checked as it is read: no second pass over the file
        return t.data;
      },
    });
    tensors.set(entry.name, tensor);
  }
  return tensors;
}

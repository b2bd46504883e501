/**
 * Checkpoint merging: several adapter files (the official `text_adapter.pth` +
 * `image_adapter_N.pth`, or our checkpoint plus a calibrated copy) become one checkpoint.
 * The rule, the same in every runtime: tensors (adapters, anchors) of later files replace
 * those of earlier ones with the same key; configs, anchor info, training state and
 * calibration come from the first file that has them; extra metadata keys from the first
 * file that has each key.
 */
import type { AAClipCheckpoint } from '../aaclip/checkpoint';

/**
 * Merges checkpoints in order (see the file comment for the rule). The first checkpoint is
 * the result (it is updated in place); an empty list is an error naming `what`.
 *
 * @example
 * const ck = mergeCheckpoints([textAdapterCk, imageAdapterCk]);
 */
export function mergeCheckpoints(list: readonly AAClipCheckpoint[], what = 'adapters'): AAClipCheckpoint {
  if (list.length === 0) throw new Error(`${what}: no adapter file given`);
  const into = list[0]!;
  for (const next of list.slice(1)) {
    for (const [k, v] of next.adapters) into.adapters.set(k, v);
    for (const [k, v] of next.anchors) into.anchors.set(k, v);
    into.clipConfig ??= next.clipConfig;
    into.aaclipConfig ??= next.aaclipConfig;
    into.anchorInfo ??= next.anchorInfo;
    into.training ??= next.training;
    into.calibration ??= next.calibration;
    if (next.extra) into.extra = { ...next.extra, ...into.extra };
  }
  return into;
}

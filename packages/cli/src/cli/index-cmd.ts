import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseCliArgs } from '../cli-args';
import { removeStaleTemps } from '@aaclip/backend-node/tools';
import { DATASET_FORMATS, DatasetLayoutError, indexDataset } from '../datasets/index';
import { COMMON_HELP, COMMON_OPTIONS, CliError, commonFlags, requirePath, usage, userMessage } from './common';
import { choiceFlag, requiredFlag } from './flags';

export const INDEX_HELP = `aaclip index <root> --format mvtec|visa|btad|mpdd|folder|jsonl|auto --out FILE.jsonl [options]

Writes AA-CLIP's jsonl manifest (image_path, label, class_name, mask_path) for a dataset.

  --format F       dataset layout (default auto: detected from the folder)
  --out FILE       manifest to write (never overwritten without --force)
  --relative-to D  write paths relative to D (the official code uses the dataset root);
                   default: relative to the manifest's folder
  --force          overwrite --out
${COMMON_HELP}`;

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { ...COMMON_OPTIONS, format: 'string', out: 'string', 'relative-to': 'string', force: 'boolean' });
  if (values.help) {
    console.log(INDEX_HELP);
    return 0;
  }
  commonFlags(values);
  const format = choiceFlag(values, 'format', 'auto', ['auto', ...DATASET_FORMATS] as const);
  const out = requiredFlag(values, 'out', 'FILE.jsonl');
  if (positionals.length !== 1) throw usage(`give exactly one dataset root, got ${positionals.length} (aaclip index --help)`);
  requirePath(positionals[0]!, 'dataset');
  if (values['relative-to'] !== undefined) requirePath(String(values['relative-to']), '--relative-to folder');
  if (existsSync(out) && !values.force) throw usage(`${out} exists (use --force to overwrite)`);
  removeStaleTemps(dirname(resolve(out))); // a killed earlier run's temporary file beside --out (up to the model's size)
  let idx;
  try {
    idx = await indexDataset(positionals[0]!, format, out, { force: values.force === true, relativeTo: values['relative-to'] as string | undefined });
  } catch (e) {
    throw new CliError(userMessage(e), e instanceof DatasetLayoutError ? 2 : 1);
  }
  const normal = idx.items.filter((i) => i.label === 0).length;
  const summary = { out: resolve(out), format: idx.format, classes: idx.classes, images: idx.items.length, normal, anomalous: idx.items.length - normal };
  if (values.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${summary.out}: ${summary.images} images (${normal} normal, ${summary.anomalous} anomalous) in ${idx.classes.length} classes, format ${idx.format}`);
  return 0;
}

import { resolve } from 'node:path';
import { parseCliArgs } from '../cli-args';
import { DATASET_FORMATS, indexDataset, type DatasetFormat } from '../datasets/index';
import { COMMON_HELP, COMMON_OPTIONS, CliError } from './common';

export const INDEX_HELP = `aaclip index <root> --format mvtec|visa|btad|mpdd|folder|auto --out FILE.jsonl [options]

Writes AA-CLIP's jsonl manifest (image_path, label, class_name, mask_path) for a dataset.

  --format F       dataset layout (default auto: detected from the folder)
  --out FILE       manifest to write (never overwritten without --force)
  --relative-to D  write paths relative to D (the official code uses the dataset root);
                   default: relative to the manifest's folder
  --force          overwrite --out
${COMMON_HELP}`;

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { ...COMMON_OPTIONS, format: 'string', out: 'string', 'relative-to': 'string', force: 'boolean' }, { h: 'help' });
  if (values.help) {
    console.log(INDEX_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`index: give exactly one dataset root\n\n${INDEX_HELP}`, 2);
  const format = ((values.format as string | undefined) ?? 'auto') as DatasetFormat | 'auto';
  if (format !== 'auto' && !(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`index: --format must be one of ${DATASET_FORMATS.join(', ')} or auto, got "${format}"`, 2);
  }
  const out = values.out as string | undefined;
  if (!out) throw new CliError('index: --out FILE.jsonl is required', 2);
  const idx = await indexDataset(positionals[0]!, format, out, { force: values.force === true, relativeTo: values["relative-to"] as string | undefined });
  const normal = idx.items.filter((i) => i.label === 0).length;
  const summary = { out: resolve(out), format: idx.format, classes: idx.classes, images: idx.items.length, normal, anomalous: idx.items.length - normal };
  if (values.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${summary.out}: ${summary.images} images (${normal} normal, ${summary.anomalous} anomalous) in ${idx.classes.length} classes, format ${idx.format}`);
  return 0;
}

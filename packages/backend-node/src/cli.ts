// The `aaclip` command line.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli/common';
import { CONVERT_HELP, convertCommand } from './cli/convert';
import { DETECT_HELP, detectCommand } from './cli/detect';
import { DEMO_HELP, demoCommand } from './cli/demo';
import { EVAL_HELP, evalCommand } from './cli/eval';
import { INDEX_HELP, indexCommand } from './cli/index-cmd';
import { TRAIN_HELP, trainCommand } from './cli/train';

const HELP = `aaclip: zero-shot anomaly detection with AA-CLIP on TensorFlow.js

usage: aaclip <verb> [options]      (aaclip <verb> --help for each verb)

verbs:
  detect   find and localise anomalies in images (overlay PNGs + scores.json)
  train    train the adapters (stage 1 text, stage 2 image), resumable
  eval     evaluate a model on a dataset: metric table, JSON, Markdown and HTML reports
  convert  OpenAI .pt / Hugging Face / open_clip weights -> one aaclip model file
  index    write AA-CLIP's jsonl manifest for a dataset folder
  demo     generate unseen synthetic textures, detect, evaluate and report (offline)`;

/** The demo model shipped with the package (models/demo.safetensors beside dist/). */
export function demoModelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '..', 'models', 'demo.safetensors'), join(here, '..', '..', 'models', 'demo.safetensors')]) if (existsSync(p)) return p;
  throw new CliError('the demo model (models/demo.safetensors) is missing from this installation; pass --model', 2);
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'detect':
      return detectCommand(rest, demoModelPath);
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return evalCommand(rest, demoModelPath);
    case 'convert':
      return convertCommand(rest);
    case 'index':
      return indexCommand(rest);
    case 'demo':
      return demoCommand(rest, demoModelPath);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(HELP);
      return verb === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown verb "${verb}"\n\n${HELP}`, 2);
  }
}

export const VERB_HELP = { detect: DETECT_HELP, train: TRAIN_HELP, eval: EVAL_HELP, convert: CONVERT_HELP, index: INDEX_HELP, demo: DEMO_HELP };

const isMain = Boolean(process.argv[1]) && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]!);
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const e = err as Error & { exitCode?: number };
      process.stderr.write(`aaclip: ${e.message}\n`);
      if (process.env.AACLIP_DEBUG) process.stderr.write(`${e.stack}\n`);
      process.exit(e instanceof CliError ? e.exitCode : 1);
    },
  );
}

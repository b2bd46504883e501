// The `aaclip` command line. Verbs are imported when used, so that --help, --version and flag
// errors answer without loading TensorFlow.js.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CliError, exitCodeOf, userMessage } from './cli/common';
import { demoModelPath as shippedDemoModel } from '@aaclip/backend-node';

const HELP = `aaclip: zero-shot anomaly detection with AA-CLIP on TensorFlow.js

usage: aaclip <verb> [options]      (aaclip <verb> --help for each verb)
       aaclip --version

verbs:
  detect   find and localise anomalies in images (overlay PNGs + scores.json)
  train    train the adapters (stage 1 text, stage 2 image), resumable
  eval     evaluate a model on a dataset: metric table, JSON, Markdown and HTML reports
  calibrate  per-class OK/DEFECT thresholds from known-good images (--fpr) or a labelled set
  convert  OpenAI .pt / Hugging Face / open_clip weights -> one aaclip model file
  index    write AA-CLIP's jsonl manifest for a dataset folder
  demo     generate unseen synthetic textures, detect, evaluate and report (offline)
  cache    list, remove or verify the models downloaded by name (--model hf:owner/name, ViT-L-14-336)
  serve    detection over HTTP (batching, metrics, OpenAPI, a web page): @aaclip/serve
  worker   take detection jobs from a BullMQ queue in Redis (serve --queue, eval --queue)

exit codes: 0 done, 1 failed while running, 2 usage error (a flag, a missing file)`;

/** The demo model shipped with the package (models/demo.safetensors beside dist/). */
export function demoModelPath(): string {
  try {
    return shippedDemoModel();
  } catch {
    throw new CliError('the demo model (models/demo.safetensors) is missing from this installation; pass --model', 2);
  }
}

/** This package's version (package.json beside dist/ and src/). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

const VERBS = ['detect', 'train', 'eval', 'calibrate', 'convert', 'index', 'demo', 'cache', 'serve', 'worker'] as const;

export async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  // model references (hf:owner/name, aliases, https:// URLs) -> files in the Hub cache, before the verb reads its flags
  const rest = verb && args.some((a) => /^(?:--[a-z-]+=)?(?:hf:|https?:\/\/|ViT-)/.test(a)) ? await (await import('./hub/cli-references')).resolveCliReferences(verb, args) : args;
  switch (verb) {
    case 'detect':
      return (await import('./cli/detect')).detectCommand(rest, demoModelPath);
    case 'train':
      return (await import('./cli/train')).trainCommand(rest);
    case 'eval':
      return (await import('./cli/eval')).evalCommand(rest, demoModelPath);
    case 'calibrate':
      return (await import('./cli/calibrate')).calibrateCommand(rest, demoModelPath);
    case 'convert':
      return (await import('./cli/convert')).convertCommand(rest);
    case 'index':
      return (await import('./cli/index-cmd')).indexCommand(rest);
    case 'demo':
      return (await import('./cli/demo')).demoCommand(rest, demoModelPath);
    case 'cache':
      return (await import('./hub/cache-cmd')).cacheCommand(rest);
    case 'serve': {
      const { serveCommand, ServeUsageError } = await import('@aaclip/serve');
      return serveCommand(rest, { defaultModel: demoModelPath }).catch((e: unknown) => {
        throw e instanceof ServeUsageError ? new CliError(e.message, 2) : e;
      });
    }
    case 'worker': {
      const { workerCommand, ServeUsageError } = await import('@aaclip/serve');
      return workerCommand(rest, { defaultModel: demoModelPath }).catch((e: unknown) => {
        throw e instanceof ServeUsageError ? new CliError(e.message, 2) : e;
      });
    }
    case '--version':
    case '-V':
    case 'version':
      console.log(`aaclip ${cliVersion()}`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      (verb === undefined ? console.error : console.log)(HELP);
      return verb === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown verb "${verb.slice(0, 40)}" (verbs: ${VERBS.join(', ')}; aaclip --help)`, 2);
  }
}

/**
 * Runs one command line as the `aaclip` program does: errors become one line on `stderr`
 * (`aaclip <verb>: message`, with the stack only when AACLIP_DEBUG is set) and an exit code.
 */
export async function runCli(argv: string[], stderr: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    const verb = (VERBS as readonly string[]).includes(argv[0] ?? '') ? ` ${argv[0]}` : '';
    stderr(`aaclip${verb}: ${userMessage(err)}\n`);
    if (process.env.AACLIP_DEBUG) stderr(`${(err as Error)?.stack}\n`);
    return exitCodeOf(err);
  }
}

const isMain = Boolean(process.argv[1]) && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]!);
if (isMain) runCli(process.argv.slice(2)).then((code) => process.exit(code));

import { existsSync, statSync } from 'node:fs';
import { formatBackendReport, useBackend, type NodeBackendName } from '@aaclip/backend-node';
import { UsageError } from '../cli-args';
import { lockOutputDir } from '@aaclip/backend-node/tools';
import { choiceFlag, seedFlag } from './flags';
import { probeWebGpu } from './webgpu-probe';

/**
 * An error the CLI prints as one line, without a stack, with its exit code: 2 for usage
 * (a flag, a missing file named on the command line, settings that contradict earlier outputs),
 * 1 for a failure at run time.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error (exit code 2). */
export const usage = (message: string): UsageError => new UsageError(message);

/** Options every verb takes. */
export const COMMON_OPTIONS = { backend: 'string', json: 'boolean', seed: 'string', help: 'boolean', quiet: 'boolean', verbose: 'boolean' } as const;

export const COMMON_HELP = `common options:
  --backend NAME   cuda | webgpu | native-cpu | wasm | cpu | auto (default: $AACLIP_BACKEND, else auto)
  --json           machine-readable output on stdout (progress is silenced)
  --seed N         seed for everything random, 0 to 4294967295 (default 111)
  --quiet          no progress output
  --verbose        say which backend runs and why the others were skipped
  -h, --help       this help`;

const BACKEND_NAMES = ['auto', 'cuda', 'webgpu', 'native-cpu', 'wasm', 'cpu', 'dawn', 'gpu', 'tfjs-node-gpu', 'native', 'tfjs-node', 'tensorflow'] as const;

export interface CliContext {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  seed: number;
  log: (msg: string) => void;
}

/** The common flags, checked (no backend is started): call before anything else. */
export function commonFlags(values: Record<string, unknown>): CliContext & { backend: string | undefined } {
  const json = values.json === true;
  const quiet = json || values.quiet === true;
  const verbose = values.verbose === true;
  const b = values.backend === undefined ? undefined : String(values.backend).trim().toLowerCase();
  if (b !== undefined) choiceFlag({ backend: b }, 'backend', 'auto', BACKEND_NAMES);
  const env = process.env.AACLIP_BACKEND?.trim().toLowerCase();
  if (b === undefined && env && !(BACKEND_NAMES as readonly string[]).includes(env)) {
    throw usage(`AACLIP_BACKEND must be one of cuda, webgpu, native-cpu, wasm, cpu or auto, got "${env.slice(0, 40)}"`);
  }
  const log = (msg: string): void => {
    if (!quiet) process.stderr.write(`${msg}\n`);
  };
  return { json, quiet, verbose, seed: seedFlag(values), log, backend: b };
}

/**
 * Starts the backend (after every flag and file was checked). In auto mode WebGPU is probed
 * in a child process first, so that Dawn's and Vulkan's messages stay off stderr unless a
 * hardware GPU is used or WebGPU is asked for by name. The backend report is printed with
 * --verbose only.
 */
export async function startBackend(ctx: CliContext & { backend: string | undefined }): Promise<void> {
  const requested = (ctx.backend ?? process.env.AACLIP_BACKEND?.trim().toLowerCase()) || 'auto';
  const skip: Partial<Record<NodeBackendName, string>> = {};
  if (requested === 'auto') {
    const why = await probeWebGpu();
    if (why) skip.webgpu = why;
  }
  let report;
  try {
    report = await useBackend(ctx.backend as NodeBackendName | undefined, { skip });
  } catch (e) {
    throw new CliError(userMessage(e), 1);
  }
  if (ctx.verbose && !ctx.json) process.stderr.write(`${formatBackendReport(report)}\n`);
}

/** Flags, then the backend: the whole setup of a verb that needs no file checks in between. */
export async function setup(values: Record<string, unknown>): Promise<CliContext> {
  const ctx = commonFlags(values);
  await startBackend(ctx);
  return ctx;
}

/**
 * The model files a verb names (`--model`, else the demo model; `--adapters`; `--vocab`), each
 * checked to exist before any backend starts.
 */
export function modelFiles(values: Record<string, unknown>, defaultModel: () => string): { model: string; adapters: string[] | undefined; vocab: string[] | undefined } {
  const model = (values.model as string | undefined) ?? defaultModel();
  requireFile(model, 'model');
  const adapters = values.adapters as string[] | undefined;
  const vocab = values.vocab as string[] | undefined;
  for (const a of adapters ?? []) requireFile(a, 'adapter file');
  for (const v of vocab ?? []) requireFile(v, 'tokenizer file');
  return { model, adapters, vocab };
}

/** A file named on the command line must exist and be a file (not a folder): a usage error otherwise. */
export function requireFile(path: string, what: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw usage(`${what} not found: ${path}`);
  }
  if (st.isDirectory()) throw usage(`${what} is a folder, not a file: ${path}`);
}

/** A path (file or folder) named on the command line must exist. */
export function requirePath(path: string, what: string): void {
  if (!existsSync(path)) throw usage(`${what} not found: ${path}`);
}

/** Takes the output folder's lock (see lockOutputDir); a live holder is a runtime failure naming its pid. */
export function lockOut(dir: string, verb: string, tempDirs: string[] = []): () => void {
  try {
    return lockOutputDir(dir, `aaclip ${verb}`, { tempDirs });
  } catch (e) {
    throw new CliError(userMessage(e), 1);
  }
}

/**
 * The message of an error for a user: one line, without the library's function-name prefixes
 * (`detectDatasetFormat: `, `lookupClass: `, `parity: `) that API errors carry.
 */
export function userMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  let s = m.split('\n').find((l) => l.trim() !== '') ?? m;
  for (;;) {
    const next = s.replace(/^(?:[a-z]+[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*|parity): (?=\S)/, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

/** The exit code of an error: 2 for usage errors, else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError || err instanceof UsageError) return err.exitCode;
  return 1;
}

import { formatBackendReport, useBackend, type NodeBackendName } from '../backend';

/** An error the CLI prints without a stack, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Options every verb takes. */
export const COMMON_OPTIONS = { backend: 'string', json: 'boolean', seed: 'string', help: 'boolean', quiet: 'boolean' } as const;

export const COMMON_HELP = `common options:
  --backend NAME   cuda | webgpu | native-cpu | wasm | cpu | auto (default: $AACLIP_BACKEND, else auto)
  --json           machine-readable output on stdout (progress is silenced)
  --seed N         seed for everything random (default 111)
  --quiet          no progress output
  -h, --help       this help`;

export interface CliContext {
  json: boolean;
  quiet: boolean;
  seed: number;
  log: (msg: string) => void;
}

export function intOption(v: unknown, name: string, def: number, min = -Infinity): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got "${String(v)}"`, 2);
  return n;
}

export function numOption(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number, got "${String(v)}"`, 2);
  return n;
}

/** Sets up the backend and returns the context; logs go to stderr. */
export async function setup(values: Record<string, unknown>): Promise<CliContext> {
  const json = values.json === true;
  const quiet = json || values.quiet === true;
  const log = (msg: string): void => {
    if (!quiet) process.stderr.write(`${msg}\n`);
  };
  let report;
  try {
    report = await useBackend(values.backend as NodeBackendName | undefined);
  } catch (e) {
    throw new CliError((e as Error).message, 3);
  }
  log(formatBackendReport(report));
  return { json, quiet, seed: intOption(values.seed, 'seed', 111), log };
}

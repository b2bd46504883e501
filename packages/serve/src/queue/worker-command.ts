// `aaclip worker`: flags -> runWorker; SIGTERM/SIGINT stop taking jobs, finish the running ones,
// remove the readiness record and exit 0.
import { parseArgs } from 'node:util';
import type { NodeBackendName } from '@aaclip/backend-node';
import { ServeUsageError } from '../usage-error';
import { redactUrl } from './queue-engine';
import { DEFAULT_QUEUE, QUEUE_DEFAULTS } from './protocol';
import { runWorker, type QueueWorker } from './worker';

export const WORKER_HELP = `aaclip worker --queue redis://HOST:PORT [options]

Takes detection jobs from a BullMQ queue in Redis, put there by 'aaclip serve --queue' or
'aaclip eval --queue', and returns their results. Start any number, on any machines, each with
its own backend: jobs carry the image bytes, so workers need no shared disk. The model loads
once; a worker whose model cannot load takes no jobs and says why on serve's /readyz. Logs are
JSON lines on stdout. SIGTERM (or Ctrl-C) finishes the running jobs and exits 0.

  --queue URL           Redis URL: redis://[user:password@]host:port[/db] (rediss:// for TLS)
  --queue-name NAME     queue name (default ${DEFAULT_QUEUE}); serve and eval must use the same
  --model FILE          CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE       adapter checkpoint(s) (repeatable)
  --vocab FILE          CLIP tokenizer file(s) (repeatable)
  --backend NAME        tfjs backend: wasm | cpu | tensorflow | tensorflow-gpu | webgpu (default: the fastest available)
  --size N              input size (default: the model's native size)
  --concurrency N       jobs at once (default 1); jobs of one class running together are one batch
  --max-batch N         most images per batch across those jobs (default 8)
  --lock-ms N           a job's lock: a worker killed mid-job loses it after this (default ${QUEUE_DEFAULTS.lockMs})
  --stalled-ms N        interval of the check for jobs whose worker died (default: the smaller of --lock-ms and ${QUEUE_DEFAULTS.stalledMs})
  --id NAME             this worker's name in logs, results and /readyz (default host-pid)`;

export interface WorkerCommandOptions {
  /** The model used without --model. */
  defaultModel: () => string;
  /** Called once the worker runs or has reported its failure (tests). */
  onStarted?: (w: QueueWorker) => void;
}

function int(v: string | undefined, flag: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ServeUsageError(`--${flag} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Runs `aaclip worker ARGV` until SIGTERM/SIGINT; resolves with the exit code. */
export async function workerCommand(argv: string[], o: WorkerCommandOptions): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        queue: { type: 'string' }, 'queue-name': { type: 'string' },
        model: { type: 'string' }, adapters: { type: 'string', multiple: true }, vocab: { type: 'string', multiple: true },
        backend: { type: 'string' }, size: { type: 'string' }, concurrency: { type: 'string' }, 'max-batch': { type: 'string' },
        'lock-ms': { type: 'string' }, 'stalled-ms': { type: 'string' }, id: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new ServeUsageError(`${(e as Error).message.replace(/\. To specify .*$/s, '')} (aaclip worker --help)`);
  }
  if (values.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  if (values.queue === undefined) throw new ServeUsageError('--queue URL is required (redis://host:port of the queue that aaclip serve --queue uses)');
  if (!/^rediss?:\/\//.test(values.queue)) throw new ServeUsageError(`--queue must be a redis:// or rediss:// URL, got "${redactUrl(values.queue).slice(0, 80)}"`);
  const name = values['queue-name'] ?? DEFAULT_QUEUE;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ServeUsageError(`--queue-name: use 1 to 64 letters, digits, '_', '.' or '-', got "${name.slice(0, 80)}"`);
  if (values.id !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(values.id)) throw new ServeUsageError(`--id: use 1 to 64 letters, digits, '_', '.' or '-', got "${values.id.slice(0, 80)}"`);
  const split = (l: string[] | undefined) => l?.flatMap((s) => s.split(',')).filter(Boolean);
  const worker = await runWorker({
    url: values.queue,
    queue: name,
    model: values.model ?? o.defaultModel(),
    adapters: split(values.adapters),
    vocab: split(values.vocab),
    ...(values.backend ? { device: values.backend as NodeBackendName } : {}),
    ...(values.size !== undefined ? { size: int(values.size, 'size', 0, 1, 1024) } : {}),
    concurrency: int(values.concurrency, 'concurrency', 1, 1, 256),
    maxBatch: int(values['max-batch'], 'max-batch', 8, 1, 256),
    lockMs: int(values['lock-ms'], 'lock-ms', QUEUE_DEFAULTS.lockMs, 1000, 3_600_000),
    ...(values['stalled-ms'] !== undefined ? { stalledMs: int(values['stalled-ms'], 'stalled-ms', 0, 100, 3_600_000) } : {}),
    ...(values.id ? { id: values.id } : {}),
  });
  o.onStarted?.(worker);
  // a worker without its model stays up, reporting why (an orchestrator sees it on /readyz), until stopped
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      worker.close().then(
        () => resolve(worker.ready.ok ? 0 : 1),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

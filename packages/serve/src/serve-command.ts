// `aaclip serve`: flags -> an engine (this process, or a BullMQ queue with --queue) -> the HTTP
// server; SIGTERM/SIGINT stop accepting, finish the requests in flight and exit 0.
import { parseArgs } from 'node:util';
import { readInputFile } from '@aaclip/backend-node';
import type { NodeBackendName } from '@aaclip/backend-node';
import { createLocalEngine } from './local-engine';
import { createMetrics } from './metrics';
import { startServer, type ServedEngine } from './server';
import { ServeUsageError } from './usage-error';

export const SERVE_HELP = `aaclip serve [options]

Serves detection over HTTP with one model loaded once: POST /v1/detect (one image),
POST /v1/detect/batch, GET /v1/classes, /healthz, /readyz, /metrics (Prometheus),
/openapi.json, and a web page at /. Logs are JSON lines on stdout. SIGTERM (or Ctrl-C) stops
accepting, finishes the requests in flight and exits 0. It never reads a path a client names.

  --model FILE          CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE       adapter checkpoint(s) (repeatable)
  --vocab FILE          CLIP tokenizer file(s) (repeatable)
  --backend NAME        tfjs backend: wasm | cpu | tensorflow | tensorflow-gpu | webgpu (default: the fastest available; AACLIP_BACKEND)
  --size N              input size in pixels (default: the model's native size)
  --host ADDR           address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port N              port (default 8080; 0: any free port, printed in the log)
  --max-batch N         most images per AA-CLIP batch across concurrent requests (default 8; 1: no batching)
  --max-wait-ms MS      longest wait for more images of the same class before a batch runs (default 10)
  --max-queue N         images in flight (decoding, waiting, running) before requests get 429
                        with Retry-After (default 64)
  --max-body-mb MB      largest request (default 32)
  --max-images N        most images in one request (default 64)
  --max-pixels N        largest width x height of one image, checked from its header (default 16777216)
  --classes A,B,...     the class names accepted (default: the official datasets' classes and the model's own)
  --api-key-file FILE   keys accepted as "Authorization: Bearer KEY" on /v1/* (one per line; # comments)
  --queue URL           put detections on a BullMQ queue at redis://... instead of running them here
                        (run 'aaclip worker --queue URL' processes to do them; docs/scale-out.md)
  --queue-name NAME     queue name (default detect); the workers use the same
  --log-level L         fatal | error | warn | info (default) | debug | silent
`;


function int(v: string | undefined, flag: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ServeUsageError(`--${flag} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

/** The keys of an --api-key-file: one per line, blank lines and # comments skipped. */
export async function readApiKeys(file: string): Promise<string[]> {
  const text = new TextDecoder().decode(await readInputFile(file, { what: 'API key file', maxBytes: 1 << 20 }));
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!keys.length) throw new ServeUsageError(`${file}: the API key file has no key (one per line)`);
  const bad = keys.findIndex((k) => /\s/.test(k) || k.length < 16);
  if (bad >= 0) throw new ServeUsageError(`${file}: key ${bad + 1} is shorter than 16 characters or holds a space`);
  return keys;
}

export interface ServeCommandOptions {
  /** The model used without --model. */
  defaultModel: () => string;
  /** Called once the server listens (tests). */
  onListening?: (url: string) => void;
}

/** Runs `aaclip serve ARGV` until SIGTERM/SIGINT; resolves with the exit code. */
export async function serveCommand(argv: string[], o: ServeCommandOptions): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        model: { type: 'string' }, adapters: { type: 'string', multiple: true }, vocab: { type: 'string', multiple: true },
        backend: { type: 'string' }, size: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
        'max-batch': { type: 'string' }, 'max-wait-ms': { type: 'string' }, 'max-queue': { type: 'string' }, 'max-body-mb': { type: 'string' },
        'max-images': { type: 'string' }, 'max-pixels': { type: 'string' }, classes: { type: 'string' }, 'api-key-file': { type: 'string' },
        queue: { type: 'string' }, 'queue-name': { type: 'string' }, 'log-level': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new ServeUsageError(`${(e as Error).message.replace(/\. To specify .*$/s, '')} (aaclip serve --help)`);
  }
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const port = int(values.port, 'port', 8080, 0, 65535);
  const maxBatch = int(values['max-batch'], 'max-batch', 8, 1, 256);
  const maxWaitMs = int(values['max-wait-ms'], 'max-wait-ms', 10, 0, 3_600_000);
  const maxQueue = int(values['max-queue'], 'max-queue', 64, 1, 1_000_000);
  const maxBody = int(values['max-body-mb'], 'max-body-mb', 32, 1, 1024) * 2 ** 20;
  const maxImages = int(values['max-images'], 'max-images', 64, 1, 4096);
  const maxPixels = int(values['max-pixels'], 'max-pixels', 4096 * 4096, 1, 2 ** 30);
  const size = values.size === undefined ? undefined : int(values.size, 'size', 0, 1, 1024);
  const level = values['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new ServeUsageError(`--log-level must be fatal, error, warn, info, debug or silent, got "${level}"`);
  const split = (l: string[] | undefined) => l?.flatMap((s) => s.split(',')).filter(Boolean);
  const classes = values.classes === undefined ? undefined : split([values.classes]);
  if (classes && !classes.length) throw new ServeUsageError('--classes needs at least one name');
  const apiKeys = values['api-key-file'] === undefined ? undefined : await readApiKeys(values['api-key-file']);
  const metrics = createMetrics();
  const onBatch = (b: { method: string; size: number; ms: number }): void => metrics.batch(b.method, b.size, b.ms / 1000);
  let engine: ServedEngine;
  if (values.queue !== undefined) {
    const { createQueueEngine } = await import('./queue/index');
    if (!/^rediss?:\/\//.test(values.queue)) throw new ServeUsageError(`--queue must be a redis:// or rediss:// URL, got "${values.queue.slice(0, 80)}"`);
    const name = values['queue-name'];
    if (name !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ServeUsageError(`--queue-name: use 1 to 64 letters, digits, '_', '.' or '-', got "${name.slice(0, 80)}"`);
    engine = await createQueueEngine({ url: values.queue, maxWaiting: maxQueue, ...(name ? { queue: name } : {}) });
  } else {
    engine = await createLocalEngine({
      model: values.model ?? o.defaultModel(),
      adapters: split(values.adapters),
      vocab: split(values.vocab),
      ...(values.backend ? { device: values.backend as NodeBackendName } : {}),
      size, maxBatch, maxWaitMs, maxQueue, maxImagesPerRequest: maxImages, limits: { maxPixels }, classes, onBatch,
    });
  }
  const server = await startServer({ engine, host: values.host ?? '127.0.0.1', port, apiKeys, maxBodyBytes: maxBody, maxImagesPerRequest: maxImages, logger: { level }, metrics });
  server.app.log.info({ backend: engine.backend(), maxBatch, maxWaitMs, maxQueue, queue: values.queue !== undefined, apiKeys: apiKeys?.length ?? 0 }, `aaclip serve ready at ${server.url}`);
  o.onListening?.(server.url);
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      server.app.log.info({ signal }, 'draining: no new requests; finishing those in flight');
      server.close().then(
        () => {
          server.app.log.info('stopped');
          resolve(0);
        },
        (e: unknown) => {
          server.app.log.error({ err: e }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
}

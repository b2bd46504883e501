// Settings of Hub downloads: options, else the environment variables huggingface_hub reads.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { DEFAULT_HUB_ENDPOINT } from '@aaclip/core';

/** Progress of one file's download. */
export interface DownloadProgress {
  /** What is downloaded: `hf:owner/name@revision/file` or the URL. */
  label: string;
  /** Bytes on disk so far (a resumed download starts above 0). */
  loaded: number;
  /** The file's size, when known. */
  total: number | undefined;
  /** Bytes per second over this run of the download. */
  bytesPerSecond: number;
  /** Seconds left at that rate (NaN while unknown). */
  etaSeconds: number;
  /** True on the last call for the file. */
  done: boolean;
  /** Set (once) while another process holds the file's lock: its pid, or null when unknown. */
  waitingForPid?: number | null;
}

export interface HubOptions {
  /** The cache folder; default `$AACLIP_CACHE`, `$HF_HUB_CACHE`, `$HF_HOME/hub`, `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** The Hub (or a mirror); default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Access token for private and gated repositories; default `$HF_TOKEN`. */
  token?: string;
  /** Never touch the network (default `$HF_HUB_OFFLINE`): a missing file is an error at once. */
  offline?: boolean;
  /** Progress of each file; `null` silences the default stderr bar. */
  onProgress?: ((p: DownloadProgress) => void) | null;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Tries per request on 5xx answers and dropped connections (default 5). */
  retries?: number;
  /** First wait before a retry, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Aborts downloads. */
  signal?: AbortSignal;
  /** Opens the temporary file (tests inject a full disk here). */
  createWriteStream?: (path: string, flags: 'a' | 'w') => Writable;
  /** Environment read for the defaults (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Options with every default applied. */
export interface HubSettings {
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
  onProgress: ((p: DownloadProgress) => void) | null | undefined;
  fetch: typeof fetch;
  retries: number;
  retryDelayMs: number;
  signal: AbortSignal | undefined;
  createWriteStream: HubOptions['createWriteStream'];
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

/** True for huggingface_hub's truthy environment values (1, true, yes, on). */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && TRUE.has(value.trim().toLowerCase());
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/**
 * The Hub cache folder, shared with Python's huggingface_hub: `$AACLIP_CACHE` (this SDK only),
 * `$HF_HUB_CACHE`, `$HUGGINGFACE_HUB_CACHE`, `$HF_HOME/hub`, `$XDG_CACHE_HOME/huggingface/hub`,
 * else `~/.cache/huggingface/hub`.
 */
export function hubCacheDir(env: Record<string, string | undefined> = process.env): string {
  const direct = env.AACLIP_CACHE || env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (direct) return resolve(expandHome(direct));
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return resolve(expandHome(home), 'hub');
}

/** Applies the defaults. */
export function hubSettings(opts: HubOptions = {}): HubSettings {
  const env = opts.env ?? process.env;
  const f = opts.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new Error('no fetch function: Node 20 or later has one (or pass the fetch option)');
  return {
    cacheDir: opts.cacheDir ? resolve(opts.cacheDir) : hubCacheDir(env),
    endpoint: (opts.endpoint || env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, ''),
    token: opts.token ?? (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined),
    offline: opts.offline ?? envFlag(env.HF_HUB_OFFLINE),
    onProgress: opts.onProgress,
    fetch: f,
    retries: opts.retries ?? 5,
    retryDelayMs: opts.retryDelayMs ?? 500,
    signal: opts.signal,
    createWriteStream: opts.createWriteStream,
  };
}

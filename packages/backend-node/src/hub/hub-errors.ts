// Errors of Hub downloads, in words a user can act on: which repository, which file, what to do.

/** An HTTP answer that is not retried (401, 403, 404, other 4xx). */
export class HubHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HubHttpError';
  }
}

/** HF_HUB_OFFLINE=1 and the file is not in the cache. */
export class HubOfflineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubOfflineError';
  }
}

/** The downloaded bytes do not match the size or hash the Hub announced. */
export class ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumError';
  }
}

/** The disk is full: nothing partial is left, and the message says how much space was needed. */
export class DiskFullError extends Error {
  constructor(
    message: string,
    readonly neededBytes: number,
  ) {
    super(message);
    this.name = 'DiskFullError';
  }
}

const TOKEN_HELP = 'set HF_TOKEN to an access token with read access (https://huggingface.co/settings/tokens)';

/** Where a request was for: `repo` and `file` (and the revision) when it is a Hub file. */
export interface RequestTarget {
  label: string;
  repo?: string;
  revision?: string;
  file?: string;
  tokenSent: boolean;
}

/** The error for a non-retried HTTP status, using the Hub's X-Error-Code / X-Error-Message when present. */
export function httpError(status: number, headers: Headers, t: RequestTarget): HubHttpError {
  const code = headers.get('x-error-code') ?? '';
  const hubMsg = headers.get('x-error-message');
  const what = t.repo ? `${t.file ? `file "${t.file}" of ` : ''}repository ${t.repo}${t.revision && t.revision !== 'main' ? ` at revision ${t.revision}` : ''}` : t.label;
  const tail = hubMsg ? ` (the Hub says: ${hubMsg})` : '';
  let msg: string;
  if (status === 401) {
    msg = t.tokenSent
      ? `${what}: HTTP 401, the token in HF_TOKEN was refused: it is invalid or expired, or the repository does not exist${tail}`
      : `${what}: HTTP 401, the repository does not exist, or it is private or gated and needs a token: ${TOKEN_HELP}${tail}`;
  } else if (status === 403) {
    msg = `${what}: HTTP 403, access is restricted${code === 'GatedRepo' || !t.tokenSent ? ' (a gated repository: accept its conditions on its Hub page)' : ''}; ${TOKEN_HELP}${tail}`;
  } else if (status === 404) {
    if (code === 'RevisionNotFound') msg = `${what}: revision "${t.revision}" not found (a branch, tag or commit of ${t.repo})${tail}`;
    else if (code === 'RepoNotFound') msg = `${what}: repository ${t.repo} not found; if it is private, ${TOKEN_HELP}${tail}`;
    else msg = t.repo ? `${what}: not found (HTTP 404): ${t.file ? `the repository has no file "${t.file}"` : 'no such repository or revision'}${tail}` : `${t.label}: not found (HTTP 404)${tail}`;
  } else {
    msg = `${what}: HTTP ${status}${tail}`;
  }
  return new HubHttpError(msg, status);
}

/** True for answers worth retrying: 5xx, 429 (rate limit), 408. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Human bytes: 1.2 GiB, 3.4 MiB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '? bytes';
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

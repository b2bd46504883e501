import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { explainFsError, mkdirExplained } from './fs-errors';

/**
 * Temporary files are named `.<target>.aaclip-<pid>-<8 hex>.tmp` beside their target, so that
 * a later run can tell them apart from the user's files and remove those whose process is gone
 * (kill -9, a crash, SIGINT during a write): see {@link removeStaleTemps}.
 */
const TEMP = /^\..+\.aaclip-(\d+)-[0-9a-f]{8}\.tmp$/;
/** The names earlier versions gave them (`.<target>.<pid>.<8 hex>.tmp`, `<target>.<pid>-<12 hex>.tmp`). */
const OLD_TEMPS = [/^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/, /^.+\.(\d+)-[0-9a-f]{12}\.tmp$/];

/** The temporary name for `path` (same folder, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.aaclip-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** True when a process with this pid runs on this machine (EPERM: it runs, as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes a file atomically: a temporary file in the same folder, fsync, then rename over the
 * target. A crash at any moment leaves either the old file or the new one, never a torn one.
 * With `overwrite: false` an existing target is an error naming it (nothing is touched).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: { overwrite?: boolean } = {}): Promise<void> {
  if (opts.overwrite === false && existsSync(path)) {
    throw new Error(`refusing to overwrite ${path} (use --force to replace it)`);
  }
  await mkdirExplained(dirname(path)); // EROFS / EACCES named, not Node's ENOENT
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx').catch((e: unknown) => {
    throw explainFsError(e, 'write', path);
  });
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw explainFsError(e, 'write', path); // ENOSPC's own message names no file
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw explainFsError(e, 'write', path);
  }
}

/**
 * Removes the temporary files (see {@link tempPathFor}) in `dir` left by processes that are no
 * longer running. Returns the names removed. Other files are never touched.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = [TEMP, ...OLD_TEMPS].map((re) => re.exec(name)).find(Boolean);
    if (!m || pidAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** Name of the lock file in an output folder. */
export const LOCK_FILE = '.aaclip.lock';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

/** Another process holds the output folder. */
export class OutputLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockInfo,
  ) {
    super(`${dir} is in use by another aaclip run (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, "${holder.command}", since ${holder.started}); wait for it to end, or use another --out${holder.host !== hostname() ? `; if it is gone, delete ${join(dir, LOCK_FILE)}` : ''}`);
    this.name = 'OutputLockedError';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof j.pid !== 'number') return null;
    return { pid: j.pid, host: String(j.host ?? ''), command: String(j.command ?? ''), started: String(j.started ?? '') };
  } catch {
    return null;
  }
}

/**
 * Takes the lock of an output folder (created if needed): `DIR/.aaclip.lock`, created
 * exclusively, holding this process's pid. A lock whose process is gone (same host, pid not
 * running, or an unreadable lock file) is taken over; a live one is an {@link OutputLockedError}
 * naming its pid. The returned function releases it (also done when the process exits).
 * Stale temporary files in the folder are removed once the lock is held.
 */
export function lockOutputDir(dir: string, command: string, opts: { tempDirs?: string[] } = {}): () => void {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      const holder = readLock(path);
      if (holder && (holder.host !== info.host || pidAlive(holder.pid))) throw new OutputLockedError(dir, holder);
      // stale (its process is gone) or unreadable: take it over
      rmSync(path, { force: true });
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readLock(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  for (const d of [dir, ...(opts.tempDirs ?? [])]) removeStaleTemps(d);
  return release;
}

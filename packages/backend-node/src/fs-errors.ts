// File-system errors that say which file and why: Node's messages for a failed write
// ("ENOSPC: no space left on device, write") do not name the file, and its recursive mkdir
// reports ENOENT when the real reason is a read-only file system or a permission.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the name is too long for the file system',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the device',
};

/**
 * An error for a failed file-system `action` on `path` whose message names the path and the
 * reason in words, keeping the original `code` (and `cause`). Non-errno errors pass through.
 *
 * @example
 * try { await fh.writeFile(data); } catch (e) { throw explainFsError(e, 'write', 'out/scores.json'); }
 * // Error: cannot write out/scores.json: no space left on the device (ENOSPC)
 */
export function explainFsError(e: unknown, action: string, path: string): Error {
  const err = e as NodeJS.ErrnoException | null;
  if (err === null || typeof err !== 'object' || typeof err.code !== 'string') return e as Error;
  const reason = REASONS[err.code] ?? err.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '');
  const out = new Error(`cannot ${action} ${path}: ${reason} (${err.code})`, { cause: e }) as NodeJS.ErrnoException;
  out.code = err.code;
  out.path = path;
  return out;
}

/** The nearest ancestor of `dir` (itself included) that exists, with what it is. */
async function nearestExisting(dir: string): Promise<{ path: string; isDir: boolean } | null> {
  for (let p = dir; ; p = dirname(p)) {
    try {
      return { path: p, isDir: (await stat(p)).isDirectory() };
    } catch {
      if (dirname(p) === p) return null;
    }
  }
}

/**
 * `mkdir -p` whose error names the folder and the real reason: Node's recursive mkdir turns
 * EROFS / EACCES on a missing parent into ENOENT (it stats the folder it could not create),
 * so on failure the nearest existing ancestor is examined: not a folder (ENOTDIR), not
 * writable (its `access` error: EROFS, EACCES), or else the original error.
 *
 * @example
 * await mkdirExplained('/mnt/ro/out'); // Error: cannot create folder /mnt/ro/out: the file system is read-only (EROFS) at /mnt/ro
 */
export async function mkdirExplained(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const near = await nearestExisting(dir);
    if (near && !near.isDir) {
      const notDir = Object.assign(new Error(`${near.path} is a file`), { code: 'ENOTDIR' });
      const out = explainFsError(notDir, 'create folder', dir);
      out.message += ` (${near.path} is a file)`;
      throw out;
    }
    if (near) {
      try {
        await access(near.path, constants.W_OK);
      } catch (a) {
        const out = explainFsError(a, 'create folder', dir);
        if (near.path !== dir) out.message += ` at ${near.path}`;
        throw out;
      }
    }
    throw explainFsError(e, 'create folder', dir);
  }
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: a temporary file in the same folder, fsync, then rename over the
 * target. A crash at any moment leaves either the old file or the new one, never a torn one.
 * With `overwrite: false` an existing target is an error naming it (nothing is touched).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: { overwrite?: boolean } = {}): Promise<void> {
  if (opts.overwrite === false && existsSync(path)) {
    throw new Error(`refusing to overwrite ${path} (use --force to replace it)`);
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

// A lock file per blob, so that two processes downloading the same file at once do not both
// download it: one holds the lock and downloads, the other waits, then finds the blob in place.
//
// Hand-written (40 lines) rather than a dependency: Node has no flock(2), so Python's
// filelock locks cannot be shared anyway, and proper-lockfile's mtime-refresh timers would be
// one more package for what an exclusive create (O_EXCL) and a liveness check of the holder's
// pid do here. Our lock is `<etag>.aaclip.lock` beside Python's `<etag>.lock` (which Python
// leaves on disk), so a Python lock file never blocks us.
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

interface Holder {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock held by a process that is gone (same host, pid not running), or unreadable and older than 10 minutes. */
async function isStale(path: string): Promise<boolean> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Holder;
    if (h.host === hostname() && Number.isInteger(h.pid)) return !alive(h.pid);
    return Date.now() - (await stat(path)).mtimeMs > 24 * 3600_000; // another host's lock: a day
  } catch {
    try {
      return Date.now() - (await stat(path)).mtimeMs > 600_000;
    } catch {
      return true; // gone meanwhile
    }
  }
}

/**
 * Takes the lock at `path`, waiting while another live process holds it (`onWait` is told once).
 * Resolves to the release function.
 */
export async function acquireLock(path: string, opts: { onWait?: (holderPid: number | null) => void; pollMs?: number; signal?: AbortSignal } = {}): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname() } satisfies Holder));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isStale(path)) {
      await rm(path, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      let pid: number | null = null;
      try {
        pid = (JSON.parse(await readFile(path, 'utf8')) as Holder).pid;
      } catch {
        /* unknown holder */
      }
      opts.onWait?.(pid);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

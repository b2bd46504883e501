// What the Hub cache holds, repository by repository (as huggingface_hub's scan_cache_dir sees it).
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { repoOfFolder } from './cache-layout';

export interface CachedFile {
  /** Path inside the repository. */
  file: string;
  /** Blob name it points to (null: a copied file, not a symlink). */
  blob: string | null;
  /** False when the blob it points to is missing. */
  present: boolean;
}

export interface CachedRepo {
  repo: string;
  dir: string;
  /** revision name -> commit */
  refs: Record<string, string>;
  /** commit -> files */
  snapshots: Record<string, CachedFile[]>;
  /** blob name -> size in bytes */
  blobs: Record<string, number>;
  /** Bytes of unfinished downloads (`*.incomplete`). */
  incompleteBytes: number;
  /** Bytes on disk: blobs and unfinished downloads. */
  sizeOnDisk: number;
  /** Last modification of any blob (ms since the epoch). */
  lastModified: number;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function walkFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const n of list(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) walkFiles(root, p, out);
    else out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

/** Reads one `models--owner--name` folder. */
export function scanRepo(cacheDir: string, folder: string): CachedRepo | null {
  const repo = repoOfFolder(folder);
  if (!repo) return null;
  const dir = join(cacheDir, folder);
  const refs: Record<string, string> = {};
  for (const r of walkFiles(join(dir, 'refs'))) {
    try {
      refs[r] = readFileSync(join(dir, 'refs', r), 'utf8').trim();
    } catch {
      /* unreadable ref: skipped */
    }
  }
  const blobs: Record<string, number> = {};
  let incompleteBytes = 0;
  let lastModified = 0;
  for (const b of list(join(dir, 'blobs'))) {
    const st = statSync(join(dir, 'blobs', b));
    if (b.endsWith('.incomplete')) incompleteBytes += st.size;
    else blobs[b] = st.size;
    lastModified = Math.max(lastModified, st.mtimeMs);
  }
  const snapshots: Record<string, CachedFile[]> = {};
  for (const commit of list(join(dir, 'snapshots'))) {
    const root = join(dir, 'snapshots', commit);
    snapshots[commit] = walkFiles(root).map((file) => {
      const p = join(root, ...file.split('/'));
      if (!lstatSync(p).isSymbolicLink()) return { file, blob: null, present: true };
      const blob = basename(readlinkSync(p));
      return { file, blob, present: blob in blobs };
    });
  }
  const sizeOnDisk = Object.values(blobs).reduce((a, b) => a + b, 0) + incompleteBytes;
  return { repo, dir, refs, snapshots, blobs, incompleteBytes, sizeOnDisk, lastModified };
}

/** Every repository in the cache. */
export function scanCache(cacheDir: string): CachedRepo[] {
  return list(cacheDir)
    .map((f) => scanRepo(cacheDir, f))
    .filter((r): r is CachedRepo => r !== null);
}

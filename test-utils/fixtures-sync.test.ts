// The committed fixtures (test-data/fixtures) are the ones the official PyTorch code wrote:
// byte-identical to ../shared/fixtures where that folder exists, and always to the sha256
// list committed beside them (test-data/fixtures.sha256, written by scripts/sync-fixtures.mjs).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedFixturesRoot, repoRoot, sharedFixturesRoot } from './fixtures';

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p)];
  });
}
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** `sha256  path` lines, as `sha256sum` writes them. */
function readHashList(): Map<string, string> {
  const text = readFileSync(join(repoRoot, 'test-data', 'fixtures.sha256'), 'utf8');
  return new Map(text.trim().split('\n').map((line) => {
    const [hash, path] = line.split(/\s+/) as [string, string];
    return [path, hash];
  }));
}

describe('committed reference fixtures', () => {
  it('match the committed sha256 list, file for file', () => {
    const list = readHashList();
    expect(walk(committedFixturesRoot).sort()).toEqual([...list.keys()].sort());
    for (const [path, hash] of list) expect(sha256(join(committedFixturesRoot, path)), path).toBe(hash);
    expect(list.size).toBeGreaterThanOrEqual(18);
  });

  it('are byte-identical to ../shared/fixtures where it exists (new fixtures: node scripts/sync-fixtures.mjs)', () => {
    const shared = existsSync(sharedFixturesRoot) ? walk(sharedFixturesRoot).sort() : [];
    // without ../shared (a clone from GitHub) there is nothing to compare with: the list above holds
    for (const path of shared) {
      const committed = join(committedFixturesRoot, path);
      expect(existsSync(committed), `test-data/fixtures/${path} missing: run node scripts/sync-fixtures.mjs`).toBe(true);
      expect(readFileSync(committed).equals(readFileSync(join(sharedFixturesRoot, path))), path).toBe(true);
    }
    expect(shared.length === 0 || shared.length === walk(committedFixturesRoot).length).toBe(true);
  });
});

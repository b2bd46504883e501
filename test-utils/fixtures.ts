// Locates the reference fixtures: $AACLIP_FIXTURES, else the committed copy in
// test-data/fixtures (a clone from GitHub tests against it). New fixtures arrive in
// ../shared/fixtures; `node scripts/sync-fixtures.mjs` copies them in, and
// test-utils/fixtures-sync.test.ts checks the two are byte-identical where both exist.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..');

/** The committed copy of the fixtures (test data: in no package's published files). */
export const committedFixturesRoot = join(repoRoot, 'test-data', 'fixtures');
/** Where new reference fixtures arrive, beside the repository. */
export const sharedFixturesRoot = resolve(repoRoot, '..', 'shared', 'fixtures');

export const fixturesRoot: string = process.env.AACLIP_FIXTURES
  ? resolve(process.env.AACLIP_FIXTURES)
  : committedFixturesRoot;

export const tinyFixtureDir = join(fixturesRoot, 'aaclip-tiny');
export const bpeVocabPath = join(fixturesRoot, 'bpe_simple_vocab_16e6.txt.gz');

export function fixture(name: string): string {
  const p = join(tinyFixtureDir, name);
  if (!existsSync(p)) throw new Error(`fixture file missing: ${p} (run "node scripts/sync-fixtures.mjs", or set AACLIP_FIXTURES to the fixtures folder)`);
  return p;
}

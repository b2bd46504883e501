// Locates ../shared/fixtures (beside the repository root) or $AACLIP_FIXTURES.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..');

export const fixturesRoot: string = process.env.AACLIP_FIXTURES
  ? resolve(process.env.AACLIP_FIXTURES)
  : resolve(repoRoot, '..', 'shared', 'fixtures');

export const tinyFixtureDir = join(fixturesRoot, 'aaclip-tiny');
export const bpeVocabPath = join(fixturesRoot, 'bpe_simple_vocab_16e6.txt.gz');

export function fixture(name: string): string {
  const p = join(tinyFixtureDir, name);
  if (!existsSync(p)) throw new Error(`fixture file missing: ${p} (set AACLIP_FIXTURES to the fixtures folder)`);
  return p;
}

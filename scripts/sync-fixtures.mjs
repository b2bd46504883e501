#!/usr/bin/env node
// Copies the reference fixtures from ../shared/fixtures (where new ones arrive) into
// test-data/fixtures, the committed copy that a clone from GitHub tests against.
// test-data/ is in no package's `files`: it never reaches a published tarball.
//   node scripts/sync-fixtures.mjs [--from DIR] [--check]
// --check copies nothing and exits 1 when the two trees differ (byte for byte).
// It also writes test-data/fixtures.sha256, which test-utils/fixtures-sync.test.ts checks.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { from: { type: 'string' }, check: { type: 'boolean' } } });
const from = resolve(values.from ?? join(root, '..', 'shared', 'fixtures'));
const to = join(root, 'test-data', 'fixtures');

if (!existsSync(from)) {
  console.error(`sync-fixtures: no fixtures folder at ${from} (pass --from DIR)`);
  process.exit(2);
}

/** Every file below `dir`, as paths relative to it. */
function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p)];
  });
}

const differing = walk(from).filter((f) => {
  const dst = join(to, f);
  return !existsSync(dst) || !readFileSync(dst).equals(readFileSync(join(from, f)));
});
if (values.check) {
  for (const f of differing) console.error(`differs: test-data/fixtures/${f}`);
  process.exit(differing.length ? 1 : 0);
}
for (const f of differing) {
  const dst = join(to, f);
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(join(from, f), `${dst}.tmp`); // temporary file, then rename: no torn copy
  renameSync(`${dst}.tmp`, dst);
  console.log(`copied ${f}`);
}
const list = walk(to).sort().map((f) => `${createHash('sha256').update(readFileSync(join(to, f))).digest('hex')}  ${f}\n`);
writeFileSync(join(root, 'test-data', 'fixtures.sha256'), list.join(''));
console.log(`${differing.length} file(s) updated in ${relative(root, to)}; ${list.length} hashed in test-data/fixtures.sha256`);

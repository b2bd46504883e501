#!/usr/bin/env node
// What a consumer installs: packs the workspaces, installs the tarballs a detection-only Node
// user needs (@aaclip/backend-node with core, prompts and kernels, and their required peers)
// into a fresh project from the npm registry, and prints the size of its node_modules and the
// largest entries in it.
//   npm run build && node scripts/install-size.mjs [--all]   (--all: the four runtime packages and backend-web)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const all = process.argv.includes('--all');
const work = mkdtempSync(join(tmpdir(), 'aaclip-install-'));
try {
  const packs = join(work, 'packs');
  mkdirSync(packs);
  execFileSync('npm', ['pack', '--workspaces', '--pack-destination', packs], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = readdirSync(packs).filter((f) => all || !f.includes('backend-web')).map((f) => join(packs, f));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name":"consumer","private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', ...tarballs], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  const total = execFileSync('du', ['-sh', 'node_modules'], { cwd: app, encoding: 'utf8' }).split('\t')[0];
  console.log(`${all ? 'all packages' : 'detection-only Node install'}: node_modules ${total}`);
  const entries = execFileSync('bash', ['-c', 'du -s node_modules/[!@.]* node_modules/@*/* 2>/dev/null | sort -n | tail -8'], { cwd: app, encoding: 'utf8' });
  for (const line of entries.trim().split('\n').reverse()) {
    const [kb, path] = line.split('\t');
    console.log(`  ${(Number(kb) / 1024).toFixed(1).padStart(6)} MiB  ${path}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

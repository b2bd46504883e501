// The published packages as a consumer gets them: `npm pack` of every workspace into a temporary
// folder, then publint and arethetypeswrong on each tarball, the tarballs' file lists (no test
// data, no tests; LICENSE and README present) and the metadata every package.json must carry.
// Needs the packages built (`npm test` builds first).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

const run = promisify(execFile);
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

interface PackedFile { path: string }
interface Packed { name: string; filename: string; files: PackedFile[] }

const rootPkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
const workspaces = rootPkg.workspaces;
const pkgJson = (ws: string) => JSON.parse(readFileSync(join(repoRoot, ws, 'package.json'), 'utf8')) as Record<string, any>;

// arethetypeswrong options per package, with the reason:
const ATTW_OPTIONS: Record<string, string[]> = {
  // the demo model is a data file, not a module; ./tools resolves through the exports map (node16, bundlers)
  '@aaclip/backend-node': ['--exclude-entrypoints', './models/demo', '--profile', 'node16'],
  // browser ESM for bundlers by design: no CommonJS and no node10 resolution
  '@aaclip/backend-web': ['--profile', 'esm-only'],
  // subpaths /train, /metrics, /weights, /parity: exports-map resolution (node16, bundlers); node10 has no subpaths
  '@aaclip/core': ['--profile', 'node16'],
  // a command-line program with an ESM library entry
  '@aaclip/cli': ['--profile', 'esm-only'],
  // a Node server (Fastify): ESM only
  '@aaclip/serve': ['--profile', 'esm-only'],
  // dual root; its ./node and ./web entry points are ESM only (CommonJS reaches them by import())
  '@aaclip/kernels': ['--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm'],
};

// test data and tests never ship
const FORBIDDEN = [/(^|\/)fixtures?\//, /(^|\/)test-data\//, /bpe_simple_vocab/, /expected\.safetensors/, /\.(test|spec)\.[cm]?[jt]s(\.map)?$/, /(^|\/)test-harness\//];

let dir = '';
let packed: Packed[] = [];

beforeAll(async () => {
  const unbuilt = workspaces.filter((ws) => !existsSync(join(repoRoot, ws, 'dist')));
  if (unbuilt.length) throw new Error(`build the packages first (npm run build): no dist/ in ${unbuilt.join(', ')}`);
  dir = mkdtempSync(join(tmpdir(), 'aaclip-pack-'));
  const { stdout } = await run('npm', ['pack', '--workspaces', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, maxBuffer: 64 << 20 });
  packed = JSON.parse(stdout) as Packed[];
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('published packages', () => {
  it('packs one tarball per workspace', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(workspaces.map((ws) => pkgJson(ws).name).sort());
  });

  it('ship LICENSE (the root Apache-2.0 text), README.md and dist, and no test data or tests', () => {
    const license = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    for (const ws of workspaces) {
      const p = packed.find((x) => x.name === pkgJson(ws).name)!;
      const files = p.files.map((f) => f.path);
      expect(files, p.name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      expect(files.some((f) => f.startsWith('dist/')), p.name).toBe(true);
      expect(files.filter((f) => FORBIDDEN.some((re) => re.test(f))), p.name).toEqual([]);
      expect(readFileSync(join(repoRoot, ws, 'LICENSE'), 'utf8'), `${ws}/LICENSE`).toBe(license);
    }
    const node = packed.find((p) => p.name === '@aaclip/backend-node')!;
    expect(node.files.map((f) => f.path)).toContain('models/demo.safetensors');
  });

  it('carry the metadata a registry page and a consumer need; tfjs only as peer dependencies', () => {
    for (const ws of workspaces) {
      const p = pkgJson(ws);
      expect(p.license, ws).toBe('Apache-2.0');
      expect(p.repository, ws).toMatchObject({ type: 'git', directory: ws });
      expect(p.homepage, ws).toMatch(/^https:\/\//);
      expect(p.bugs?.url, ws).toMatch(/^https:\/\//);
      expect(p.keywords?.length, ws).toBeGreaterThan(2);
      expect(p.engines, ws).toEqual({ node: '>=20' });
      expect(p.publishConfig, ws).toEqual({ access: 'public' });
      expect(p.exports['./package.json'], ws).toBe('./package.json');
      expect(p.sideEffects === false || Array.isArray(p.sideEffects), ws).toBe(true);
      expect(Object.keys(p.dependencies ?? {}).filter((d) => d.startsWith('@tensorflow/')), ws).toEqual([]);
      for (const peer of Object.keys(p.peerDependencies ?? {}).filter((d) => d.startsWith('@tensorflow/tfjs-'))) {
        if (!p.peerDependenciesMeta?.[peer]?.optional && !peer.startsWith('@tensorflow/tfjs-node')) {
          expect(p.devDependencies?.[peer], `${ws}: required peer ${peer} kept as a devDependency`).toBeDefined();
        }
      }
    }
  });

  it('pass publint (strict) and arethetypeswrong', async () => {
    const jobs = packed.flatMap((p) => {
      const tarball = join(dir, p.filename);
      return [
        { tool: 'publint', name: p.name, args: ['run', '--strict', tarball] },
        { tool: 'attw', name: p.name, args: [tarball, '--format', 'ascii', '--no-color', ...(ATTW_OPTIONS[p.name] ?? [])] },
      ];
    });
    const failures: string[] = [];
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        try {
          await run(bin(job.tool), job.args, { cwd: dir, maxBuffer: 16 << 20 });
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string; message: string };
          failures.push(`${job.tool} ${job.name}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
        }
      }
    };
    await Promise.all([worker(), worker()]); // two at a time: each tool is one process
    expect(failures).toEqual([]);
  });
});

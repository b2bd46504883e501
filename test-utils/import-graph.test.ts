// The import graph of every package's source (test files and test helpers left out) has no loops:
// none between files, and none between the top-level folders of @aaclip/core (model/ may use
// weights/, but then weights/ never uses model/). Imports are read with TypeScript's own
// pre-processor (`ts.preProcessFile`: import/export ... from, import(), require), type-only
// imports included: a loop through types is still a loop a reader has to hold in their head.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

const TEST_FILE = /\.(test|test-helper|spec)\.[cm]?tsx?$|(^|\/)test-harness\//;

/** Every non-test .ts/.tsx source file under `dir`. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') out.push(...sourceFiles(p));
    } else if (/\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts') && !TEST_FILE.test(relative(repoRoot, p))) {
      out.push(p);
    }
  }
  return out;
}

/** Resolves a relative specifier to a file of `files` (TS-style: `./x` -> x.ts, x/index.ts; `.js` -> `.ts`). */
function resolveRelative(from: string, spec: string, files: ReadonlySet<string>): string | null {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m|c)?js$/, '');
  for (const c of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (files.has(c)) return c;
  }
  return null;
}

/** file -> the files it imports (relative imports inside the same package). */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const set = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const deps = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const r = resolveRelative(f, fileName, set);
      if (r && r !== f) deps.add(r);
    }
    graph.set(f, [...deps].sort());
  }
  return graph;
}

/** The strongly connected components with more than one node (Tarjan), each sorted. */
export function cycles<T>(graph: ReadonlyMap<T, readonly T[]>): T[][] {
  let index = 0;
  const idx = new Map<T, number>();
  const low = new Map<T, number>();
  const stack: T[] = [];
  const onStack = new Set<T>();
  const out: T[][] = [];
  const strong = (v: T): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: T[] = [];
      let w: T;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

/** The folder graph of a package's src: top-level folder -> the top-level folders its files import. */
export function folderGraph(graph: ReadonlyMap<string, readonly string[]>, srcDir: string): Map<string, string[]> {
  const top = (f: string): string => {
    const parts = relative(srcDir, f).split(/[\\/]/);
    return parts.length > 1 ? parts[0]! : '.';
  };
  const folders = new Map<string, Set<string>>();
  for (const [f, deps] of graph) {
    const a = top(f);
    if (!folders.has(a)) folders.set(a, new Set());
    // the package's root files (index.ts) gather the folders; they are no folder of their own
    if (a === '.') continue;
    for (const d of deps) {
      const b = top(d);
      if (b !== a && b !== '.') folders.get(a)!.add(b);
    }
  }
  return new Map([...folders].map(([k, v]) => [k, [...v].sort()]));
}

const packagesDir = join(repoRoot, 'packages');
const packages = readdirSync(packagesDir).filter((p) => statSync(join(packagesDir, p, 'src'), { throwIfNoEntry: false })?.isDirectory());
const rel = (f: string) => relative(repoRoot, f);

describe('import graph', () => {
  it('finds a loop when there is one (the checker itself)', () => {
    const g = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('reads every package', () => {
    expect(packages).toEqual(expect.arrayContaining(['core', 'backend-node', 'backend-web', 'prompts', 'kernels']));
    const core = importGraph(sourceFiles(join(packagesDir, 'core', 'src')));
    // a real graph: the detector imports the anomaly map and the scores
    const det = [...core.keys()].find((f) => f.endsWith(join('aaclip', 'detector.ts')))!;
    expect(core.get(det)!.map(rel)).toEqual(expect.arrayContaining(['packages/core/src/aaclip/score.ts']));
  });

  it.each(packages)('%s: no loop between files', (pkg) => {
    const graph = importGraph(sourceFiles(join(packagesDir, pkg, 'src')));
    expect(graph.size).toBeGreaterThan(0);
    expect(cycles(graph).map((c) => c.map(rel))).toEqual([]);
  });

  it('no loop between packages (their source imports of @aaclip/* and their package.json dependencies)', () => {
    const names = new Map(packages.map((p) => [JSON.parse(readFileSync(join(packagesDir, p, 'package.json'), 'utf8')).name as string, p]));
    const graph = new Map<string, string[]>();
    for (const [name, dir] of names) {
      const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      const deps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
      for (const f of sourceFiles(join(packagesDir, dir, 'src'))) {
        for (const { fileName } of ts.preProcessFile(readFileSync(f, 'utf8'), true, true).importedFiles) {
          const m = /^(@aaclip\/[^/]+)/.exec(fileName);
          if (m) deps.add(m[1]!);
        }
      }
      graph.set(name, [...deps].filter((d) => names.has(d) && d !== name).sort());
    }
    expect(graph.get('@aaclip/cli')).toEqual(expect.arrayContaining(['@aaclip/core', '@aaclip/backend-node']));
    expect(cycles(graph)).toEqual([]);
  });

  it('core: no loop between its top-level folders', () => {
    const src = join(packagesDir, 'core', 'src');
    const folders = folderGraph(importGraph(sourceFiles(src)), src);
    expect([...folders.keys()]).toEqual(expect.arrayContaining(['aaclip', 'model', 'weights', 'metrics']));
    expect(cycles(folders)).toEqual([]);
  });
});

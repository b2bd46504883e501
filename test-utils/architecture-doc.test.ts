// docs/architecture.md and CONTRIBUTING.md name files and folders of this repository, and some of
// them a function or class in a file (`packages/x/src/file.ts:name`, `:Class.method`). A move or
// rename that leaves either document behind fails here, naming the stale reference.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

const DOCS = ['docs/architecture.md', 'CONTRIBUTING.md'];

export interface DocReference {
  /** Repository-relative path, e.g. `packages/core/src/aaclip/score.ts`. */
  path: string;
  /** Names after the colon (`Class.method` split on the dot), empty for a bare path. */
  names: string[];
}

/**
 * Every repository path a document mentions, with the names it attaches (`path:name`). Paths
 * start with one of the repository's top-level folders; a glob (`packages/*`) is skipped, and a
 * placeholder (`datasets/<name>.ts`) leaves the folder before it.
 */
export function docReferences(text: string): DocReference[] {
  const re = /(?<![\w@/.-])((?:packages|test-utils|docs|scripts|examples|bench|api|\.ci)\/[\w.\/-]*\w)(?::([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?))?/g;
  const out: DocReference[] = [];
  for (const m of text.matchAll(re)) {
    const after = text[m.index! + m[0].length];
    if (after === '*' || after === '<' || after === '{') continue; // a glob or a placeholder in the last part
    out.push({ path: m[1]!, names: m[2] ? m[2].split('.') : [] });
  }
  return out;
}

/** True when `source` declares `name` (function, class, const, type...) or defines a method or property of that name. */
export function declares(source: string, name: string): boolean {
  const n = name.replace(/\$/g, '\\$');
  return (
    new RegExp(`(?:function\\*?|class|const|let|var|interface|type|enum)\\s+${n}\\b`).test(source) ||
    new RegExp(`^\\s*(?:(?:public|private|protected|static|readonly|async|get|set)\\s+)*${n}\\s*[(<:]`, 'm').test(source)
  );
}

/**
 * The package edges a sentence states: "core uses prompts and render; kernels and synthetic use
 * core; ..." -> { core: [prompts, render], kernels: [core], synthetic: [core] } (sorted lists).
 */
export function statedEdges(sentence: string): Record<string, string[]> {
  const names = (list: string): string[] => list.split(/,\s*|\s+and\s+/).map((n) => n.trim()).filter(Boolean);
  const edges: Record<string, string[]> = {};
  for (const clause of sentence.split(';')) {
    const m = /^\s*(.+?)\s+uses?\s+(.+?)\s*\.?\s*$/.exec(clause.replace(/\s+/g, ' '));
    if (!m) throw new Error(`not an edge clause: "${clause.trim()}"`);
    for (const from of names(m[1]!)) edges[from] = [...(edges[from] ?? []), ...names(m[2]!)].sort();
  }
  return edges;
}

/** The @aaclip packages each workspace package depends on (dependencies and peers), by short name. */
function packageEdges(): Record<string, string[]> {
  const edges: Record<string, string[]> = {};
  for (const dir of readdirSync(join(repoRoot, 'packages'))) {
    const file = join(repoRoot, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })
      .filter((d) => d.startsWith('@aaclip/'))
      .map((d) => d.slice('@aaclip/'.length));
    if (deps.length) edges[dir] = [...new Set(deps)].sort();
  }
  return edges;
}

describe('docs/architecture.md and CONTRIBUTING.md', () => {
  it("architecture.md's package edges are those of the package.json files", () => {
    const text = readFileSync(join(repoRoot, 'docs/architecture.md'), 'utf8').replace(/\s+/g, ' ');
    const m = /Exact edges \([^)]*\): (.+?)\. /.exec(text);
    expect(m, 'the "Exact edges (...): ..." sentence').not.toBeNull();
    expect(statedEdges(m![1]!)).toEqual(packageEdges());
  });

  for (const doc of DOCS) {
    describe(doc, () => {
      const text = readFileSync(join(repoRoot, doc), 'utf8');
      const refs = docReferences(text);

      it('names repository paths (the extraction finds them)', () => {
        expect(refs.length).toBeGreaterThanOrEqual(doc === 'CONTRIBUTING.md' ? 20 : 40);
      });

      it('every path it names exists', () => {
        const missing = [...new Set(refs.map((r) => r.path))].filter((p) => !existsSync(join(repoRoot, p)));
        expect(missing, `${doc} names paths that do not exist`).toEqual([]);
      });

      it('every file:name it names is declared in that file', () => {
        const withNames = refs.filter((r) => r.names.length > 0);
        expect(withNames.length).toBeGreaterThan(doc === 'CONTRIBUTING.md' ? 3 : 15);
        const stale: string[] = [];
        for (const r of withNames) {
          const file = join(repoRoot, r.path);
          if (!existsSync(file) || !statSync(file).isFile()) {
            stale.push(`${r.path}:${r.names.join('.')} (not a file)`);
            continue;
          }
          const source = readFileSync(file, 'utf8');
          for (const name of r.names) if (!declares(source, name)) stale.push(`${r.path}:${r.names.join('.')} (no ${name})`);
        }
        expect(stale, `${doc} names functions or classes its files do not declare`).toEqual([]);
      });
    });
  }

  it('the README links both', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('](docs/architecture.md)');
    expect(readme).toContain('](CONTRIBUTING.md)');
  });
});

describe('docReferences and declares (the checks themselves)', () => {
  it('extracts paths and names, and skips globs, placeholders and package names', () => {
    const refs = docReferences(
      'see `packages/core/src/aaclip/score.ts:fuseScores`, packages/cli/src/cli/heads.ts:loadHead. ' +
        '`packages/core/src/aaclip/detector.ts:AAClipDetector.detect`; `packages/*/src`, `packages/cli/src/datasets/<name>.ts`, ' +
        '`@aaclip/kernels/tfjs`, (`test-utils/fixtures.ts`) and `.ci/node24.sh`.',
    );
    expect(refs).toEqual([
      { path: 'packages/core/src/aaclip/score.ts', names: ['fuseScores'] },
      { path: 'packages/cli/src/cli/heads.ts', names: ['loadHead'] },
      { path: 'packages/core/src/aaclip/detector.ts', names: ['AAClipDetector', 'detect'] },
      { path: 'packages/cli/src/datasets', names: [] }, // the folder of a placeholder's file
      { path: 'test-utils/fixtures.ts', names: [] },
      { path: '.ci/node24.sh', names: [] },
    ]);
  });

  it('reads edge sentences', () => {
    expect(statedEdges('core uses prompts and render; kernels and synthetic use core; cli uses core, serve and synthetic')).toEqual({
      core: ['prompts', 'render'],
      kernels: ['core'],
      synthetic: ['core'],
      cli: ['core', 'serve', 'synthetic'],
    });
    expect(() => statedEdges('core needs prompts')).toThrow(/not an edge clause/);
  });

  it('finds declarations and methods, not mere mentions', () => {
    const src = 'export function fuseScores(a) {}\nexport class AAClipDetector {\n  async detect(x) {}\n  get classes(): string[] {}\n}\n// calls mapMaximum(m)\n';
    expect(declares(src, 'fuseScores')).toBe(true);
    expect(declares(src, 'AAClipDetector')).toBe(true);
    expect(declares(src, 'detect')).toBe(true);
    expect(declares(src, 'classes')).toBe(true);
    expect(declares(src, 'mapMaximum')).toBe(false);
    expect(declares(src, 'fuse')).toBe(false);
  });
});

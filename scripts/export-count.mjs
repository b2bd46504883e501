#!/usr/bin/env node
// Counts the values (not types) each package's entry points export, read from the TypeScript
// sources with the compiler's own checker (no build needed), and lists the largest source files.
//   node scripts/export-count.mjs            a table: package entry, values, types (deprecated aliases apart)
//   node scripts/export-count.mjs --json     the same as JSON
//   node scripts/export-count.mjs --largest  also the 10 largest source files (lines)
//   node scripts/export-count.mjs --unused @aaclip/core
//       the values that entry exports and nothing outside its package names (packages, examples,
//       bench, scripts, test-utils; a word match, so a name used anywhere else counts as used)
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every package entry point: `exports` subpaths mapped back to their source file. */
export function packageEntries() {
  const entries = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkgFile = join(root, 'packages', dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter((s) => s === '.' || !/\.(json|safetensors)$|\*$|\/models\//.test(s));
    for (const sub of subpaths) {
      const name = sub === '.' ? 'index' : sub.slice(2);
      const candidates = [`src/${name}.ts`, `src/${name}/index.ts`];
      const source = candidates.map((c) => join(root, 'packages', dir, c)).find((f) => existsSync(f));
      if (source) entries.push({ pkg: pkg.name, subpath: sub, source });
    }
  }
  return entries;
}

/** Values and types exported by one entry file. */
export function countExports(files) {
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowJs: false, skipLibCheck: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  return files.map((file) => {
    const sf = program.getSourceFile(file);
    const sym = sf && checker.getSymbolAtLocation(sf);
    const values = [];
    const types = [];
    const deprecated = [];
    for (const e of sym ? checker.getExportsOfModule(sym) : []) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      // a deprecated alias: re-exported through a deprecated*.ts file, or tagged @deprecated
      const via = e.declarations?.[0]?.getSourceFile().fileName ?? '';
      const tagged = [...(e.declarations ?? []), ...(target.declarations ?? [])].some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'deprecated'));
      if (/\/deprecated[^/]*\.ts$/.test(via) || tagged) deprecated.push(e.name);
      (target.flags & ts.SymbolFlags.Value ? values : types).push(e.name);
    }
    return { file, values: values.sort(), types: types.sort(), deprecated: deprecated.sort() };
  });
}

/** Source files outside `pkgDir` (tests, examples, benches and scripts included). */
function filesOutside(pkgDir) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (p === pkgDir) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js|html|vue)$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
    }
  };
  for (const top of ['packages', 'examples', 'bench', 'scripts', 'test-utils']) if (existsSync(join(root, top))) walk(join(root, top));
  return out;
}

/** Value exports of `entry` (a package name or name/subpath) that no file outside its package names. */
export function unusedExports(entry) {
  const e = packageEntries().find((x) => (x.subpath === '.' ? x.pkg : `${x.pkg}/${x.subpath.slice(2)}`) === entry);
  if (!e) throw new Error(`no entry ${entry}`);
  const [{ values, deprecated }] = countExports([e.source]);
  const dep = new Set(deprecated);
  const pkgDir = join(e.source.slice(0, e.source.indexOf('/src/')), 'src');
  const text = filesOutside(pkgDir).map((f) => readFileSync(f, 'utf8')).join('\n');
  return values.filter((v) => !dep.has(v)).filter((v) => !new RegExp(`\\b${v.replace(/\$/g, '\\$')}\\b`).test(text));
}

function largestFiles(n) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs|js)$/.test(name) && !/\.d\.ts$/.test(name)) out.push({ file: relative(root, p), lines: readFileSync(p, 'utf8').split('\n').length - 1 });
    }
  };
  walk(join(root, 'packages'));
  return out.sort((a, b) => b.lines - a.lines).slice(0, n);
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--unused')) {
  const entry = process.argv[process.argv.indexOf('--unused') + 1];
  const unused = unusedExports(entry);
  console.log(`${entry}: ${unused.length} values used by nothing outside the package`);
  console.log(unused.join('\n'));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const entries = packageEntries();
  const counts = countExports(entries.map((e) => e.source));
  const rows = entries.map((e, i) => {
    const dep = new Set(counts[i].deprecated);
    return { entry: e.subpath === '.' ? e.pkg : `${e.pkg}/${e.subpath.slice(2)}`, values: counts[i].values.filter((v) => !dep.has(v)).length, types: counts[i].types.filter((t) => !dep.has(t)).length, deprecatedValues: counts[i].values.filter((v) => dep.has(v)).length };
  });
  const largest = process.argv.includes('--largest') ? largestFiles(10) : undefined;
  if (process.argv.includes('--json')) console.log(JSON.stringify({ entries: rows, largest }, null, 2));
  else {
    for (const r of rows) console.log(`${r.entry.padEnd(32)} ${String(r.values).padStart(4)} values ${String(r.types).padStart(4)} types${r.deprecatedValues ? ` (+${r.deprecatedValues} deprecated values, kept one release)` : ''}`);
    if (largest) {
      console.log('\nlargest source files (lines):');
      for (const f of largest) console.log(`${String(f.lines).padStart(6)}  ${f.file}`);
    }
  }
}

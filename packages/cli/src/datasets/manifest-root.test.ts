// An untrusted manifest may name any path: with --data-root-only (dataRootOnly) every image and
// mask must lie inside the data root, so that `aaclip eval` cannot be made to read (and embed in
// its report) other files. Without it, paths outside are read, as `aaclip index` writes them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import { ManifestError, readManifest } from './manifest';

const dir = mkdtempSync(join(tmpdir(), 'aaclip-manifest-root-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = join(dir, 'dataset');
mkdirSync(root);
writeFileSync(join(root, 'a.png'), 'x');
writeFileSync(join(root, 'b.png'), 'x');
writeFileSync(join(dir, 'secret.png'), 'x');
const line = (image: string, mask?: string): string => JSON.stringify({ image_path: image, mask_path: mask ?? null, label: mask ? 1 : 0, class_name: 'bottle' });

function manifest(name: string, lines: string[]): string {
  const p = join(root, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

describe('manifest paths and the data root', () => {
  it('accepts paths inside the root, relative or absolute', async () => {
    const index = await readManifest(manifest('in.jsonl', [line('a.png'), line(join(root, 'b.png'), 'a.png')]), { dataRootOnly: true });
    expect(index.items.map((i) => i.imagePath)).toEqual([join(root, 'a.png'), join(root, 'b.png')]);
  });

  it('refuses an image or a mask outside it, naming the line; without the option it reads them', async () => {
    for (const [name, bad] of [['up.jsonl', line('../secret.png')], ['abs.jsonl', line(join(dir, 'secret.png'))], ['mask.jsonl', line('b.png', '../secret.png')]] as const) {
      const file = manifest(name, [line('a.png'), bad]);
      const err = await readManifest(file, { dataRootOnly: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ManifestError);
      expect(err).toMatchObject({ code: 'OUTSIDE_ROOT', line: 2 });
      expect((err as Error).message).toContain(`${join(dir, 'secret.png')} is outside the data root ${root}`);
      expect((await readManifest(file)).items).toHaveLength(2);
    }
  });

  it('aaclip eval --data-root-only refuses it as a usage error (exit 2)', async () => {
    const file = manifest('eval.jsonl', [line('a.png'), line('../secret.png')]);
    const errors: string[] = [];
    const code = await runCli(['eval', '--data', file, '--data-root-only', '--out', join(dir, 'report')], (s) => errors.push(s));
    expect(code).toBe(2);
    expect(errors.join('')).toMatch(/^aaclip eval: .*secret\.png is outside the data root .*--data-root-only/);
  });
});

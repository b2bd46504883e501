// Issue 14 item 11: a failed write said "ENOSPC: no space left on device, write" without the
// file; these errors now name it, keeping the errno code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainFsError, mkdirExplained } from './fs-errors';
import { writeFileAtomic } from './fs-utils';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-fs-errors-'));
  writeFileSync(join(dir, 'a-file'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('explainFsError', () => {
  it('names the file of a real ENOSPC (a write to /dev/full) and keeps the code', async () => {
    const raw = (await writeFile('/dev/full', 'data').catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(raw.code).toBe('ENOSPC');
    expect(raw.message).not.toContain('scores.json');
    const e = explainFsError(raw, 'write', 'out/scores.json') as NodeJS.ErrnoException;
    expect(e.message).toBe('cannot write out/scores.json: no space left on the device (ENOSPC)');
    expect([e.code, e.path, e.cause]).toEqual(['ENOSPC', 'out/scores.json', raw]);
  });

  it('passes errors without an errno code through', () => {
    const plain = new Error('x');
    expect(explainFsError(plain, 'write', 'f')).toBe(plain);
  });
});

describe('mkdirExplained', () => {
  it('creates nested folders', async () => {
    await mkdirExplained(join(dir, 'n/e/s/t'));
    await mkdirExplained(join(dir, 'n/e/s/t'));
    await writeFile(join(dir, 'n/e/s/t/ok'), '1');
  });

  it('names the folder and the file in the way', async () => {
    const target = join(dir, 'a-file', 'sub', 'out');
    const e = (await mkdirExplained(target).catch((x: unknown) => x)) as NodeJS.ErrnoException;
    expect(e.code).toBe('ENOTDIR');
    expect(e.message).toBe(`cannot create folder ${target}: a part of the path is a file, not a folder (ENOTDIR) (${join(dir, 'a-file')} is a file)`);
  });

  it('is what writeFileAtomic uses: its errors name the target', async () => {
    const target = join(dir, 'a-file', 'scores.json');
    await expect(writeFileAtomic(target, '{}')).rejects.toThrow(`cannot create folder ${join(dir, 'a-file')}: a part of the path is a file`);
  });
});

// Issue 14 item 4: a FIFO as weights, adapters or image hung forever in open(); /dev/zero as
// weights or image grew memory without bound. Every reader now opens files through
// input-file.ts, which refuses anything but a regular file before opening it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io';
import { decodeImageFile } from './image-io';
import { InputFileError, openInputFileSync, readInputFile } from './input-file';
import { loadBundle } from './model-bundle';
import { loadAdapters, loadClip, openSafetensorsFile, readWeightFile } from './weights-io';
import { fixture } from '../../../test-utils/fixtures';

let dir: string;
let fifo: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-input-file-'));
  fifo = join(dir, 'weights.fifo');
  execFileSync('mkfifo', [fifo]); // nobody ever writes to it: an open() for reading would wait forever
  mkdirSync(join(dir, 'folder.png'));
  writeFileSync(join(dir, 'small.bin'), new Uint8Array(100));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('input files: regular files only, checked before open()', () => {
  it('refuses a FIFO without blocking, naming the file and what it was for', async () => {
    const err = await readInputFile(fifo, { what: 'weights' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputFileError);
    expect((err as InputFileError).code).toBe('NOT_REGULAR');
    expect((err as Error).message).toBe(`weights ${fifo} is a FIFO (named pipe), not a regular file`);
    expect(() => openInputFileSync(fifo, { what: 'adapters' })).toThrow(`adapters ${fifo} is a FIFO (named pipe), not a regular file`);
  });

  it('refuses /dev/zero and a directory', async () => {
    await expect(readInputFile('/dev/zero', { what: 'image' })).rejects.toThrow('image /dev/zero is a character device, not a regular file');
    await expect(readInputFile(join(dir, 'folder.png'), { what: 'image' })).rejects.toThrow(/folder\.png is a directory, not a regular file/);
  });

  it('refuses a file over the byte bound and reads one within it', async () => {
    await expect(readInputFile(join(dir, 'small.bin'), { what: 'tokenizer file', maxBytes: 99 })).rejects.toThrow(
      /small\.bin is 100 bytes, more than the 99-byte limit for a tokenizer file/,
    );
    expect((await readInputFile(join(dir, 'small.bin'), { what: 'x', maxBytes: 100 })).length).toBe(100);
  });

  it('passes file-system errors through with their code and path', async () => {
    const err = (await readInputFile(join(dir, 'missing.png'), { what: 'image' }).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOENT');
    expect(err.message).toContain('missing.png');
  });
});

describe('every reader goes through it', () => {
  it('weights: readWeightFile, openSafetensorsFile, loadClip refuse a FIFO and /dev/zero', async () => {
    await expect(readWeightFile(fifo)).rejects.toThrow(/weights .*weights\.fifo is a FIFO/);
    expect(() => openSafetensorsFile(fifo)).toThrow(/is a FIFO/);
    await expect(loadClip(fifo)).rejects.toThrow(/is a FIFO/);
    await expect(loadClip('/dev/zero')).rejects.toThrow('weights /dev/zero is a character device, not a regular file');
  });

  it('adapters and checkpoints refuse a FIFO', async () => {
    await expect(loadAdapters([fifo])).rejects.toThrow(/adapters .*weights\.fifo is a FIFO/);
    await expect(loadCheckpoint(fifo)).rejects.toThrow(/checkpoint .*weights\.fifo is a FIFO/);
  });

  it('images refuse a FIFO and /dev/zero', async () => {
    await expect(decodeImageFile(fifo)).rejects.toThrow(/image .*weights\.fifo is a FIFO/);
    await expect(decodeImageFile('/dev/zero')).rejects.toThrow('image /dev/zero is a character device');
    await expect(decodeImageFile(fifo, { what: 'mask' })).rejects.toThrow(/^mask /);
  });

  it('tokenizer files refuse a FIFO', async () => {
    const model = fixture('clip-openai.safetensors');
    const gzFifo = join(dir, 'vocab.txt.gz');
    execFileSync('mkfifo', [gzFifo]);
    await expect(loadBundle({ model, vocab: [gzFifo] })).rejects.toThrow(`tokenizer file ${gzFifo} is a FIFO (named pipe), not a regular file`);
  });
});

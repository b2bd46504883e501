// The CLI's parts in-process: argument parsing, flag bounds, output names, locks, temporary files.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../cli-args';
import { LOCK_FILE, lockOutputDir, OutputLockedError, removeStaleTemps, tempPathFor, writeFileAtomic } from '@aaclip/backend-node/tools';
import { userMessage } from './common';
import { checkSizeForModel, intFlag, numFlag } from './flags';
import { fingerprint, planOutputs, safeStem, settingsDiff } from './output-names';
import { partialName } from './eval';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaclip-cli-units-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = { size: 'string', adapters: 'list', vocab: 'list', force: 'boolean', help: 'boolean' } as const;

describe('parseCliArgs (node:util parseArgs)', () => {
  it('reads values, inline values, booleans, -h and lists', () => {
    const r = parseCliArgs(['a.png', '--size', '-5', '--adapters', 'x.pth', '--adapters=y.pth,z.pth', '--force', '-h', 'b.png'], SPEC);
    expect(r.values).toEqual({ size: '-5', adapters: ['x.pth', 'y.pth', 'z.pth'], force: true, help: true });
    expect(r.positionals).toEqual(['a.png', 'b.png']);
  });

  it('--adapters x.pth img.png keeps the image; several weight files after one flag still work', () => {
    expect(parseCliArgs(['--adapters', 'x.pth', 'img.png'], SPEC)).toEqual({ values: { adapters: ['x.pth'] }, positionals: ['img.png'] });
    expect(parseCliArgs(['--adapters', 'text_adapter.pth', 'image_adapter_20.pth', 'photo.png', '--vocab', 'v.txt.gz'], SPEC)).toEqual({
      values: { adapters: ['text_adapter.pth', 'image_adapter_20.pth'], vocab: ['v.txt.gz'] },
      positionals: ['photo.png'],
    });
    // a file whose name has a comma stays one when it exists
    expect(parseCliArgs(['--adapters', 'a,b.pth'], SPEC, { isFile: (p) => p === 'a,b.pth' }).values.adapters).toEqual(['a,b.pth']);
  });

  it('rejects unknown options, missing values, values of boolean flags, repeats and stray positionals, naming the option', () => {
    const err = (argv: string[], opts = {}): string => {
      try {
        parseCliArgs(argv, SPEC, opts);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        expect((e as UsageError).exitCode).toBe(2);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err(['--frobnicate'])).toBe('unknown option --frobnicate');
    expect(err(['-x'])).toBe('unknown option -x');
    expect(err(['--constructor'])).toBe('unknown option --constructor');
    expect(err(['--size'])).toBe('option --size needs a value');
    expect(err(['--size', '--force'])).toBe('option --size needs a value');
    expect(err(['--force=yes'])).toBe('option --force takes no value');
    expect(err(['--size', '1', '--size', '2'])).toBe('option --size is given twice');
    expect(err(['stray'], { positionals: false })).toBe('unexpected argument "stray"');
  });
});

describe('flag bounds', () => {
  it('integers and numbers: one line naming the flag, its limits and the value', () => {
    expect(intFlag({ workers: '3' }, 'workers', 1, 1, 4)).toBe(3);
    expect(intFlag({}, 'workers', 1, 1, 4)).toBe(1);
    for (const v of ['1000', '0', '-1', '1.5', '', ' ', '0x10', '1e999', 'NaN', 'abc', '9007199254740993']) {
      expect(() => intFlag({ workers: v }, 'workers', 1, 1, 4)).toThrow(`--workers must be an integer from 1 to 4, got ${JSON.stringify(v)}`);
    }
    expect(numFlag({ opacity: '.25' }, 'opacity', 0.5, 0, 1)).toBe(0.25);
    for (const v of ['1e300', '-0.1', 'Infinity', 'NaN', '', '1,5', '0.5x']) {
      expect(() => numFlag({ opacity: v }, 'opacity', 0.5, 0, 1)).toThrow(`--opacity must be a number from 0 to 1, got ${JSON.stringify(v)}`);
    }
    expect(() => numFlag({ lr1: '0' }, 'lr1', 1e-5, 0, 1, { exclusiveMin: true })).toThrow('--lr1 must be a number above 0 and up to 1, got "0"');
    const long = 'x'.repeat(500);
    expect(() => intFlag({ size: `${long}\nsecond line` }, 'size', 1, 1, 2)).toThrow(/^--size must be an integer from 1 to 2, got "x{40}\.\.\."$/);
  });

  it('--size against the model: a multiple of the patch, at most 64 patches per side', () => {
    expect(() => checkSizeForModel(128, 8, 'm')).not.toThrow();
    expect(() => checkSizeForModel(12, 8, 'm')).toThrow("--size must be a multiple of the model's patch size 8 (m), got 12: use 8 or 16");
    expect(() => checkSizeForModel(9, 14, 'm')).toThrow('use 14 or 28');
    expect(() => checkSizeForModel(520, 8, 'm')).toThrow('--size 520 gives 65 patches per side with patch 8 (m); at most 64 (--size 512)');
  });
});

describe('output names', () => {
  it('distinct names for inputs sharing a stem, each file once, never an input', () => {
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    for (const p of ['a/x.png', 'b/x.png', 'ok.png', 'ok.jpg', 'p.png', 'p.overlay.png']) writeFileSync(join(dir, p), 'x');
    const { planned, duplicates } = planOutputs([join(dir, 'a/x.png'), join(dir, 'b/x.png'), join(dir, 'ok.png'), join(dir, 'ok.jpg'), join(dir, 'a/x.png')], join(dir, 'out'), '.overlay.png');
    expect(duplicates).toEqual([join(dir, 'a/x.png')]);
    const names = planned.map((p) => p.output.slice(join(dir, 'out').length + 1));
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n).toMatch(/^(x|ok)\.[0-9a-f]{8}\.overlay\.png$/);
    // the reproduction: p.png's overlay would be the input p.overlay.png
    expect(() => planOutputs([join(dir, 'p.overlay.png'), join(dir, 'p.png')], dir, '.overlay.png')).toThrow(`the output for ${join(dir, 'p.png')} would replace the input ${join(dir, 'p.overlay.png')}; choose another --out`);
  });

  it('long and non-ASCII names are bounded and hashed', () => {
    const cjk = '瓶'.repeat(33);
    expect(safeStem(cjk)).toBe(cjk); // 99 bytes: kept
    const long = 'a'.repeat(5000);
    const s = safeStem(long);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(120);
    expect(s).toMatch(/^a+-[0-9a-f]{10}$/);
    expect(safeStem('../../etc/passwd')).toBe('__.._etc_passwd'); // no separator, no leading dot
    for (const c of [cjk, long, '瓶'.repeat(200), 'a/b', 'a_b']) expect(Buffer.byteLength(partialName(c))).toBeLessThanOrEqual(120);
    expect(partialName('a/b')).not.toBe(partialName('a_b'));
  });

  it('fingerprints and their differences', () => {
    expect(fingerprint({ size: 16, model: 'm' })).toBe(fingerprint({ model: 'm', size: 16 }));
    expect(fingerprint({ size: 16 })).not.toBe(fingerprint({ size: 128 }));
    expect(settingsDiff({ size: 16, model: 'm' }, { size: 128, model: 'm' })).toBe('size was 16, now 128');
  });
});

describe('output-folder lock and temporary files', () => {
  it('one holder at a time, named by pid; a dead holder is taken over; released at the end', async () => {
    const out = join(dir, 'locked');
    const release = lockOutputDir(out, 'aaclip detect');
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    // a live holder: another process
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      release();
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
      writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, host: (await import('node:os')).hostname(), command: 'aaclip eval', started: 'then' }));
      let err: unknown;
      try {
        lockOutputDir(out, 'aaclip detect');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OutputLockedError);
      expect((err as Error).message).toContain(`pid ${sleeper.pid}`);
      expect((err as Error).message).toContain('"aaclip eval"');
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.once('exit', r));
    }
    // now its process is gone: taken over
    const again = lockOutputDir(out, 'aaclip detect');
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    again();
    // an unreadable lock file is taken over too
    writeFileSync(join(out, LOCK_FILE), 'garbage');
    lockOutputDir(out, 'aaclip detect')();
  });

  it('temporary files carry the pid; those of dead processes are removed, nothing else', async () => {
    const d = join(dir, 'temps');
    mkdirSync(d, { recursive: true });
    const mine = tempPathFor(join(d, 'scores.json'));
    expect(mine).toMatch(new RegExp(`/\\.scores\\.json\\.aaclip-${process.pid}-[0-9a-f]{8}\\.tmp$`));
    const names = ['.scores.json.aaclip-999999999-deadbeef.tmp', '.ck.safetensors.999999998.0badf00d.tmp', 'report.json.999999997-0123456789ab.tmp', `.live.aaclip-${process.pid}-01234567.tmp`, '.user.tmp', 'photo.png'];
    for (const n of names) writeFileSync(join(d, n), 'x');
    expect(removeStaleTemps(d).sort()).toEqual(names.slice(0, 3).sort());
    expect(readdirSync(d).sort()).toEqual(names.slice(3).sort());
    await writeFileAtomic(join(d, 'a.json'), '{}');
    expect(readdirSync(d).sort()).toEqual([...names.slice(3), 'a.json'].sort());
  });
});

describe('user messages', () => {
  it('drop the library function names', () => {
    expect(userMessage(new Error('detectDatasetFormat: /x does not exist'))).toBe('/x does not exist');
    expect(userMessage(new Error('lookupClass: name must be a non-empty string'))).toBe('name must be a non-empty string');
    expect(userMessage(new Error('parity: parity: missing file a.json'))).toBe('missing file a.json');
    expect(userMessage(new Error('cannot decode image x.png: bad\n    at foo (bar.js:1:1)'))).toBe('cannot decode image x.png: bad');
    expect(userMessage(new Error('carpet: no images'))).toBe('carpet: no images');
  });
});

// A bounded fuzz of the CLI's numeric flags (issue 14): for every numeric flag of every verb,
// seeded random bad values and types (text, empty, NaN, infinities, hex, fractions for
// integers, values far past the bounds, negative, newlines, option-like words, repeats). Each
// command line must end with exit code 2 and one line naming the flag, without a stack trace.
// The files the verbs need do not exist, so a flag checked after the files (or after the
// backend starts) fails the test with another message. The cases run in-process through
// runCli (the program's own error handling; 30 values per flag in a few seconds), and a sample
// through the built program (dist/cli.js), where stdout must also stay empty.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@aaclip/core';
import { repoRoot } from '../../../test-utils/fixtures';
import { runCli } from './cli';

const CLI = join(repoRoot, 'packages/cli/dist/cli.js');
/** Values per flag in-process (25 flags: 750 command lines), and command lines run through the program. */
const PER_FLAG = 30;
const SPAWNED = 8;
/** Each verb with arguments that pass every other check up to the files, which are missing. */
const VERBS: Record<string, { base: string[]; ints: string[]; nums: string[] }> = {
  detect: { base: ['detect', 'img.png', '--class', 'x', '--model', 'missing.safetensors'], ints: ['size', 'workers', 'seed'], nums: ['opacity', 'threshold'] },
  eval: { base: ['eval', '--data', 'missing-data', '--out', 'o', '--model', 'missing.safetensors'], ints: ['size', 'batch', 'seed'], nums: [] },
  train: {
    base: ['train', '--data', 'missing-data', '--model', 'missing.safetensors', '--out', 'o'],
    ints: ['size', 'shots', 'stage1-epochs', 'stage2-epochs', 'batch1', 'batch2', 'checkpoint-every', 'workers', 'seed'],
    nums: ['lr1', 'lr2'],
  },
  convert: { base: ['convert', 'missing.pt', '--out', 'o.safetensors'], ints: ['heads', 'seed'], nums: [] },
  demo: { base: ['demo', '--out', 'o', '--model', 'missing.safetensors'], ints: ['per-family', 'seed'], nums: ['bar'] },
  index: { base: ['index', 'missing-data', '--out', 'o.jsonl'], ints: ['seed'], nums: [] },
};

function badValue(rand: () => number, integer: boolean): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
  const kinds: (() => string)[] = [
    () => pick(['', ' ', 'NaN', 'nan', 'Infinity', '-Infinity', 'null', 'undefined', 'true', '[]', '{}', '0x1f', '0b11', '1_000', '1,5', '--', '-', '٣', '１']),
    () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join('').replace(/^[-\d.+]/, 'z'),
    () => `${digits(1 + Math.floor(rand() * 3))}${pick(['abc', ' 1', '\n2', 'e', 'px', '%'])}`,
    () => `1e${300 + Math.floor(rand() * 700)}`, // past every bound, or Infinity
    () => `${pick(['', '-'])}${digits(12 + Math.floor(rand() * 30))}`, // huge (or hugely negative)
    () => `-${1 + Math.floor(rand() * 1000)}${integer ? '' : '.5'}`,
    () => (integer ? `${1 + Math.floor(rand() * 50)}.${1 + Math.floor(rand() * 9)}` : `${2 + Math.floor(rand() * 1e6)}`), // fraction / past 1
    () => `'${digits(2)}'`,
    () => 'x'.repeat(1 + Math.floor(rand() * 5000)),
    () => `--${pick(['force', 'json', 'size', 'x'])}`,
  ];
  return pick(kinds)();
}

function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, AACLIP_BACKEND: 'wasm' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function cases(): { args: string[]; flag: string }[] {
  const rand = mulberry32(20261207);
  const out: { args: string[]; flag: string }[] = [];
  for (const { base, ints, nums } of Object.values(VERBS)) {
    for (const flag of [...ints, ...nums]) {
      for (let k = 0; k < PER_FLAG; k++) {
        const value = badValue(rand, ints.includes(flag));
        // one case in eight gives the flag twice, the first time with a valid value
        const twice = rand() < 0.125;
        const given = rand() < 0.5 ? [`--${flag}=${value}`] : [`--${flag}`, value];
        out.push({ flag, args: [...base, ...(twice ? [`--${flag}`, '1'] : []), ...given] });
      }
    }
  }
  return out;
}

const NO_STACK = /\bat .+:\d+:\d+/;

describe('CLI flag fuzz', () => {
  it('every numeric flag, in-process: bad values and types exit 2 with one line naming the flag', async () => {
    const all = cases();
    expect(all.length).toBe(25 * PER_FLAG);
    const failures: string[] = [];
    for (const c of all) {
      let err = '';
      const code = await runCli(c.args, (s) => {
        err += s;
      });
      const ok = code === 2 && err.endsWith('\n') && err.trim().split('\n').length === 1 && err.includes(`--${c.flag}`) && !NO_STACK.test(err);
      if (!ok) failures.push(`${JSON.stringify(c.args.slice(-2)).slice(0, 200)} -> ${code}: ${err.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  });

  it('through the program: exit 2, one line on stderr, nothing on stdout', async () => {
    const all = cases();
    const sample = Array.from({ length: SPAWNED }, (_, i) => all[Math.floor((i * all.length) / SPAWNED)]!);
    const failures: string[] = [];
    for (const c of sample) {
      const r = await spawnCli(c.args);
      const ok = r.code === 2 && r.stderr.trim().split('\n').length === 1 && r.stderr.includes(`--${c.flag}`) && !NO_STACK.test(r.stderr) && r.stdout === '';
      if (!ok) failures.push(`${JSON.stringify(c.args.slice(-2)).slice(0, 200)} -> ${r.code}: ${r.stderr.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@aaclip/core/weights';
import { describe, expect, it } from 'vitest';
import { fixturesRoot } from '../../../test-utils/fixtures';
import { encodeParityOutputs, runParity } from './parity';

const backend = process.env.AACLIP_TEST_BACKEND ?? 'cpu';
const muscDir = join(fixturesRoot, 'musc-tiny');

// Every output of the MuSc fixture (the fixture README's "MuSc" section), within the README's
// tolerance, on this backend: what `npm run parity -- --fixture .../musc-tiny` computes.
describe(`MuSc parity with the official code (${backend})`, () => {
  it('recognises the MuSc fixture and computes every output of its expected.safetensors', async () => {
    const before = tf.memory().numTensors;
    const res = await runParity({ fixture: muscDir });
    const failed = res.rows.filter((r) => !r.ok).map((r) => `${r.name}: ${r.maxAbsDiff} > ${r.tolerance}`);
    expect(failed).toEqual([]);
    const expected = readSafetensors(readFileSync(join(muscDir, 'expected.safetensors'))).tensors;
    // one row per reference output: 12 lnamd, 12 msm, map.r1/r3/r5, map.patch, map.upsampled, score.max, score.rscin
    expect(res.rows.map((r) => r.name).sort()).toEqual([...expected.keys()].sort());
    expect(res.rows.length).toBe(31);
    for (const r of res.rows) expect(r.tolerance).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    // what the CLI writes: every output, readable back at its shape
    const back = readSafetensors(encodeParityOutputs(res.outputs)).tensors;
    expect(back.get('map.upsampled')!.shape).toEqual([10, 140, 140]);
    expect(back.get('lnamd.r5.L3')!.shape).toEqual([10, 100, 64]);
    expect(back.size).toBe(31);
  });

  it('computes only the outputs asked for', async () => {
    const res = await runParity({ fixture: muscDir, only: ['score.'] });
    expect(res.rows.map((r) => r.name).sort()).toEqual(['score.max', 'score.rscin']);
    expect(res.ok).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-utils/fixtures';
import { demoModelPath } from './demo-model';

const run = promisify(execFile);
const MODEL = join(repoRoot, 'packages', 'backend-node', 'models', 'demo.safetensors');

/** What a consumer's code prints, run by Node from the repository root (the workspace links). */
async function nodeEval(code: string, type: 'module' | 'commonjs'): Promise<string> {
  const { stdout } = await run(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: repoRoot });
  return stdout.trim();
}

describe('demoModelPath', () => {
  it('is the safetensors file shipped in models/', () => {
    expect(demoModelPath()).toBe(MODEL);
    const bytes = readFileSync(demoModelPath());
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(header)).toEqual(expect.arrayContaining(['image_adapter.det_proj.fc.weight', 'text_adapter.0.fc.0.weight']));
  });

  it('resolves to the same file from the ESM and CommonJS builds and through the ./models/demo export', async () => {
    const esm = await nodeEval("const m = await import('@aaclip/backend-node'); console.log(m.demoModelPath());", 'module');
    const cjs = await nodeEval("console.log(require('@aaclip/backend-node').demoModelPath());", 'commonjs');
    const exported = await nodeEval("console.log(require.resolve('@aaclip/backend-node/models/demo'));", 'commonjs');
    expect([esm, cjs, exported]).toEqual([MODEL, MODEL, MODEL]);
  });
});

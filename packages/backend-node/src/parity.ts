// The parity tool's file side: reads a fixture folder (any weight format, official .pth
// adapters, PNGs through image-io) and runs @aaclip/core's computeParity on it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  computeMuscParity,
  computeParity,
  formatParityTable,
  isMuscFixture,
  type ParityExpectedJson,
  type ParityResult,
  type ParityRow,
} from '@aaclip/core/parity';
import { readSafetensors, writeSafetensors, type WritableTensor } from '@aaclip/core/weights';
import { decodeImageFile } from './image-io';
import { loadAdapters, openWeightFile } from './weights-io';

export { formatParityTable };
export type { ParityResult, ParityRow };

export interface ParityOptions {
  /**
   * Folder with expected.json, inputs.safetensors, expected.safetensors and (AA-CLIP) the CLIP
   * weights; a MuSc fixture (its expected.json config lists r_list and k_list) needs nothing else.
   */
  fixture: string;
  /** CLIP weights (any supported file/layout). Default DIR/clip-openai.safetensors. */
  weights?: string;
  /** adapters.safetensors or the official text_adapter.pth + image_adapter_N.pth. Default DIR/adapters.safetensors. */
  adapters?: string[];
  /** BPE vocabulary. Default DIR/../bpe_simple_vocab_16e6.txt.gz. */
  vocab?: string;
  /** Only compute outputs whose name starts with one of these prefixes. */
  only?: string[];
}

/**
 * Computes every output of the fixture README that the SDK implements, from the fixture's
 * files (nothing about a particular fixture is hard-coded), and compares each with
 * expected.safetensors at the README's tolerance. The computation is @aaclip/core's
 * `computeParity` (the browser suite runs the same function); this reads the files.
 */
export async function runParity(opts: ParityOptions): Promise<ParityResult> {
  const dir = resolve(opts.fixture);
  const need = (p: string): string => {
    if (!existsSync(p)) throw new Error(`parity: missing file ${p}`);
    return p;
  };
  const want = (name: string): boolean => !opts.only || opts.only.some((p) => name.startsWith(p));
  const ej: unknown = JSON.parse(await readFile(need(join(dir, 'expected.json')), 'utf8'));
  const inputs = readSafetensors(await readFile(need(join(dir, 'inputs.safetensors')))).tensors;
  const expected = readSafetensors(await readFile(need(join(dir, 'expected.safetensors')))).tensors;
  // a MuSc fixture: tokens in, LNAMD / MSM / maps / scores out (no weights, adapters or vocabulary)
  if (isMuscFixture(ej)) return computeMuscParity({ expectedJson: ej, inputs, expected, only: opts.only });
  const expectedJson = ej as ParityExpectedJson;
  const vocabGz = await readFile(need(opts.vocab ?? join(dirname(dir), 'bpe_simple_vocab_16e6.txt.gz')));
  const ck = await loadAdapters(opts.adapters?.length ? opts.adapters : [need(join(dir, 'adapters.safetensors'))]);
  const preprocess = want('preprocess.')
    ? { image: await decodeImageFile(need(join(dir, 'preprocess-input.png'))), mask: await decodeImageFile(need(join(dir, 'preprocess-mask.png'))) }
    : undefined;
  const weightsPath = opts.weights ?? need(join(dir, 'clip-openai.safetensors'));
  const weights = await openWeightFile(weightsPath);
  try {
    return await computeParity({
      expectedJson,
      inputs,
      expected,
      weights,
      adapters: ck.adapters,
      vocabGz,
      preprocess,
      only: opts.only,
      weightsName: weightsPath,
    });
  } finally {
    weights.close();
  }
}

/** Writes the computed outputs as a safetensors file (float32 tensors; tokens int32; metrics float64). */
export function encodeParityOutputs(outputs: Map<string, WritableTensor>): Uint8Array {
  return writeSafetensors(outputs, undefined, { allowNonFinite: true }); // a NaN output is a finding to keep, not a file to refuse
}

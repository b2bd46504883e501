// The parity tool's file side: reads a fixture folder (any weight format, official .pth
// adapters, PNGs through image-io) and runs @aaclip/core's computeParity on it.
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  checkFinite,
  computeParity,
  formatParityTable,
  readSafetensors,
  writeSafetensors,
  type ParityExpectedJson,
  type ParityResult,
  type ParityRow,
  type TensorMap,
  type WritableTensor,
} from '@aaclip/core';
import { decodeImageFile } from './image-io';
import { loadAdapters, openSafetensorsFile, readWeightFile, sniffWeightFormat } from './weights-io';

export { formatParityTable };
export type { ParityResult, ParityRow };

export interface ParityOptions {
  /** Folder with expected.json, inputs.safetensors, clip-openai.safetensors. */
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
 * The tensors of a weight file: a .safetensors file is opened streamed (each tensor read from
 * disk when the model builder takes it, checked for NaN/Inf then), a torch file is read whole
 * and checked. Call `close()` when the model is built.
 */
async function openWeights(path: string): Promise<{ tensors: TensorMap; metadata: Record<string, string>; close(): void }> {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  let size: number;
  try {
    size = (await fh.stat()).size;
    head = new Uint8Array(Math.min(16, size));
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  if (sniffWeightFormat(head, path, size) === 'safetensors') return openSafetensorsFile(path);
  const { tensors, metadata } = await readWeightFile(path);
  checkFinite(tensors, path);
  return { tensors, metadata, close: () => undefined };
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
  const expectedJson = JSON.parse(await readFile(need(join(dir, 'expected.json')), 'utf8')) as ParityExpectedJson;
  const inputs = readSafetensors(await readFile(need(join(dir, 'inputs.safetensors')))).tensors;
  const expected = readSafetensors(await readFile(need(join(dir, 'expected.safetensors')))).tensors;
  const vocabGz = await readFile(need(opts.vocab ?? join(dirname(dir), 'bpe_simple_vocab_16e6.txt.gz')));
  const ck = await loadAdapters(opts.adapters?.length ? opts.adapters : [need(join(dir, 'adapters.safetensors'))]);
  const preprocess = want('preprocess.')
    ? { image: await decodeImageFile(need(join(dir, 'preprocess-input.png'))), mask: await decodeImageFile(need(join(dir, 'preprocess-mask.png'))) }
    : undefined;
  const weightsPath = opts.weights ?? need(join(dir, 'clip-openai.safetensors'));
  const weights = await openWeights(weightsPath);
  try {
    return await computeParity({
      expectedJson,
      inputs,
      expected,
      weights,
      adapters: ck.adapters,
      vocabGz: new Uint8Array(vocabGz.buffer, vocabGz.byteOffset, vocabGz.byteLength),
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
  return writeSafetensors(outputs);
}

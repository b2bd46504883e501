// The parity check from the fixture's file bytes (what a browser fetches, or Node reads whole).
import { checkpointFromTensors } from '../aaclip/checkpoint';
import type { RawImage } from '../image/raw-image';
import { checkFinite } from '../weights/check-finite';
import { readSafetensors } from '../weights/safetensors-reader';
import { decodeWeightFile } from '../weights/read-weights';
import { computeParity } from './run-parity';
import type { ParityExpectedJson, ParityInput, ParityResult } from './parity-types';

/** The fixture's files as bytes (and its two PNGs decoded). */
export interface ParityFileBytes {
  /** expected.json (UTF-8 bytes or text). */
  expectedJson: Uint8Array | string;
  /** inputs.safetensors */
  inputs: Uint8Array;
  /** expected.safetensors */
  expected: Uint8Array;
  /** CLIP weights: safetensors (any layout), `torch.save` .pt or TorchScript .pt. */
  weights: Uint8Array;
  /** adapters.safetensors, or the official text_adapter.pth + image_adapter_N.pth (merged in order). */
  adapters: readonly Uint8Array[];
  /** bpe_simple_vocab_16e6.txt.gz */
  vocabGz: Uint8Array;
  /** preprocess-input.png and preprocess-mask.png, decoded exactly (no colour management). */
  preprocess?: { image: RawImage; mask: RawImage };
  only?: readonly string[];
}

/**
 * Reads the fixture's bytes into a {@link ParityInput}: the weights and adapters through the
 * format-sniffing readers (non-finite weights are refused), the safetensors and expected.json
 * as they are.
 */
export function parityInputFromBytes(files: ParityFileBytes): ParityInput {
  const text = typeof files.expectedJson === 'string' ? files.expectedJson : new TextDecoder().decode(files.expectedJson);
  const expectedJson = JSON.parse(text) as ParityExpectedJson;
  const weights = decodeWeightFile(files.weights, { fileName: 'weights' });
  checkFinite(weights.tensors, 'weights');
  if (files.adapters.length === 0) throw new Error('parity: no adapter file given');
  const adapters = new Map<string, { shape: number[]; data: Float32Array }>();
  files.adapters.forEach((bytes, i) => {
    const name = `adapters[${i}]`;
    const { tensors, metadata } = decodeWeightFile(bytes, { fileName: name });
    checkFinite(tensors, name);
    for (const [k, v] of checkpointFromTensors(tensors, metadata, name).adapters) adapters.set(k, v);
  });
  return {
    expectedJson,
    inputs: readSafetensors(files.inputs).tensors,
    expected: readSafetensors(files.expected).tensors,
    weights: { tensors: weights.tensors, metadata: weights.metadata },
    adapters,
    vocabGz: files.vocabGz,
    preprocess: files.preprocess,
    only: files.only,
  };
}

/**
 * {@link computeParity} from the fixture's bytes.
 *
 * @example
 * const res = await computeParityFromBytes({ expectedJson, inputs, expected, weights, adapters: [adapterBytes], vocabGz, preprocess });
 */
export function computeParityFromBytes(files: ParityFileBytes): Promise<ParityResult> {
  return computeParity(parityInputFromBytes(files));
}

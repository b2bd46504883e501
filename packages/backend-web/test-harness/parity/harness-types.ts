// Types of the parity harness page's hook `window.__aaclipParity` (shared with the test; no
// runtime code).
import type { ParityRow } from '@aaclip/core/parity';

export type HarnessBackend = 'webgpu' | 'webgl' | 'wasm';

export interface ParityRunRequest {
  backend: HarnessBackend;
  /** URL of the fixture folder (expected.json, inputs.safetensors, ...), ending in '/'. */
  fixtureUrl: string;
  /** URL of bpe_simple_vocab_16e6.txt.gz. */
  vocabUrl: string;
  /** Base URL of the tfjs wasm binaries, ending in '/'. */
  wasmPaths: string;
  /** Weight file name in the fixture folder (default clip-openai.safetensors). */
  weights?: string;
  /** Adapter file names in the fixture folder (default adapters.safetensors). */
  adapters?: string[];
  only?: string[];
  /** tfjs environment flags set once the backend is active (e.g. WEBGPU_MATMUL_PROGRAM_TYPE). */
  tfFlags?: Record<string, number | boolean>;
}

/** An image as the page decoded it (8-bit samples, row-major, `channels` per pixel). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: number[];
}

export interface ParityRunResponse {
  /** tfjs' name of the backend the run used. */
  backend: string;
  rows: ParityRow[];
  /** Milliseconds: fetching the files, and the computation with its comparison. */
  fetchMs: number;
  computeMs: number;
  /** Live tensors before and after the run (must be equal). */
  tensorsBefore: number;
  tensorsAfter: number;
  /** The PNG inputs as the page decoded them (createImageBitmap, no colour conversion). */
  decoded: { image: DecodedImage; mask: DecodedImage };
  /** tfjs environment flags that bear on precision. */
  flags: Record<string, boolean | number | string>;
}

/** A MuSc fixture run (musc-tiny: tokens in, LNAMD / MSM / maps / scores out). */
export interface MuscRunRequest {
  backend: HarnessBackend;
  /** URL of the MuSc fixture folder (expected.json, inputs.safetensors, expected.safetensors), ending in '/'. */
  fixtureUrl: string;
  wasmPaths: string;
  tfFlags?: Record<string, number | boolean>;
}

export interface MuscRunResponse {
  backend: string;
  rows: ParityRow[];
  computeMs: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface ParityHook {
  run(req: ParityRunRequest): Promise<ParityRunResponse>;
  runMusc(req: MuscRunRequest): Promise<MuscRunResponse>;
}

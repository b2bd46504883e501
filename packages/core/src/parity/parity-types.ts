// Types of the parity check against the PyTorch reference fixture (see computeParity).
import type { RawImage } from '../image/raw-image';
import type { TensorMap } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';

/** The parts of a fixture's expected.json that the parity check reads. */
export interface ParityExpectedJson {
  model: { activation?: 'gelu' | 'quick_gelu'; vision: { heads: number }; text?: { heads: number } };
  aaclip: {
    text_adapt_weight: number;
    image_adapt_weight: number;
    text_adapt_until: number;
    image_adapt_until: number;
    levels: number[];
    relu: boolean;
    dpam_layers?: string;
    text_norm_weight: number;
    stage1_lr_in_fixture: number;
    stage2_lr_in_fixture: number;
    adam_betas: [number, number];
    adam_eps: number;
  };
  prompts: { prompt_normal: string[]; prompt_abnormal: string[]; prompt_templates: string[] };
  real_names?: Record<string, string>;
  classes: string[];
  batch_classes: string[];
  sentences: string[];
  noise_floor: Record<string, number>;
  metrics: Record<string, number | Record<string, number>>;
}

/** One compared output. */
export interface ParityRow {
  name: string;
  maxAbsDiff: number;
  tolerance: number;
  ok: boolean;
  note?: string;
}

export interface ParityResult {
  rows: ParityRow[];
  /** Every computed output (float32; tokens int32; metrics float64), by name. */
  outputs: Map<string, WritableTensor>;
  ok: boolean;
}

/**
 * Everything the parity check needs, already read: no file names, no I/O. The weights are a
 * tensor map in any layout `normalizeClipStateDict` accepts (OpenAI, open_clip, Hugging Face,
 * torch or TorchScript trees); its tensors may be lazy (read on access).
 */
export interface ParityInput {
  /** expected.json, parsed. */
  expectedJson: ParityExpectedJson;
  /** inputs.safetensors: images, masks, labels, tokens, metrics.* */
  inputs: TensorMap;
  /** expected.safetensors: the float64 reference outputs. */
  expected: TensorMap;
  /** CLIP weights and their metadata (a `clip_config` entry, when present, gives head counts). */
  weights: { tensors: TensorMap; metadata?: Record<string, string> };
  /** AA-CLIP adapter weights in checkpoint layout (keys `text_adapter.*` / `image_adapter.*`). */
  adapters: Map<string, { shape: number[]; data: Float32Array }>;
  /** bpe_simple_vocab_16e6.txt.gz, gzip bytes. */
  vocabGz: Uint8Array;
  /** preprocess-input.png and preprocess-mask.png, decoded (needed for `preprocess.*`). */
  preprocess?: { image: RawImage; mask: RawImage };
  /** Only compute outputs whose name starts with one of these prefixes. */
  only?: readonly string[];
  /** Name of the weights in error messages. */
  weightsName?: string;
}

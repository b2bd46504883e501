/** Vision tower of an OpenAI-style ViT CLIP. */
export interface VisionConfig {
  /** Native input size the position embedding was trained for (pixels). */
  imageSize: number;
  patchSize: number;
  width: number;
  layers: number;
  heads: number;
}

/** Text tower of an OpenAI-style CLIP. */
export interface TextConfig {
  contextLength: number;
  vocabSize: number;
  width: number;
  heads: number;
  layers: number;
}

/** A CLIP model: shared embedding size, the two towers and the MLP activation. */
export interface ClipConfig {
  embedDim: number;
  vision: VisionConfig;
  /** Absent for vision-only checkpoints (anchors precomputed). */
  text?: TextConfig;
  /** `gelu` = exact erf GELU (what AA-CLIP builds); `quick_gelu` = x * sigmoid(1.702 x). */
  activation: 'gelu' | 'quick_gelu';
}

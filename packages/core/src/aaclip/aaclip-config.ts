/** AA-CLIP hyper-parameters on top of a CLIP backbone (the official defaults). */
export interface AAClipConfig {
  /** Text adapters after the first N text blocks (plus one projection adapter). Default 3. */
  textAdaptUntil: number;
  /** Image adapters after the first N vision blocks. Default 6. */
  imageAdaptUntil: number;
  /** Residual mixing weight of the text adapters. Default 0.1. */
  textAdaptWeight: number;
  /** Residual mixing weight of the image adapters. Default 0.1. */
  imageAdaptWeight: number;
  /** 1-indexed vision blocks whose patch tokens feed the seg projections. Default depth/4 multiples. */
  levels: number[];
  /** LeakyReLU after the seg/det projections. Default false. */
  relu: boolean;
  /** First block of the surgery (value-path) branch used by stage 1. Default 6 for 24 blocks. */
  surgeryFrom: number;
}

/**
 * The official configuration scaled to the depth of the backbone: levels at 1/4, 2/4, 3/4
 * and 4/4 of the depth (6/12/18/24 for ViT-L, 3/6/9/12 for ViT-B) and the surgery branch
 * from the first level on.
 */
export function defaultAAClipConfig(visionLayers: number, overrides: Partial<AAClipConfig> = {}): AAClipConfig {
  if (!Number.isInteger(visionLayers) || visionLayers < 4) {
    throw new Error(`defaultAAClipConfig: the vision tower needs at least 4 blocks, got ${visionLayers}`);
  }
  const q = visionLayers / 4;
  const levels = [1, 2, 3, 4].map((k) => Math.round(k * q));
  const cfg: AAClipConfig = {
    textAdaptUntil: 3,
    imageAdaptUntil: Math.min(6, visionLayers),
    textAdaptWeight: 0.1,
    imageAdaptWeight: 0.1,
    levels,
    relu: false,
    surgeryFrom: levels[0]!,
    ...overrides,
  };
  validateAAClipConfig(cfg, visionLayers);
  return cfg;
}

export function validateAAClipConfig(cfg: AAClipConfig, visionLayers: number, textLayers?: number): void {
  if (!Array.isArray(cfg.levels) || cfg.levels.length === 0) throw new Error(`AAClipConfig.levels must be a non-empty array, got ${JSON.stringify(cfg.levels)}`);
  for (const l of cfg.levels) {
    if (!Number.isInteger(l) || l < 1 || l > visionLayers) throw new Error(`AAClipConfig.levels: block ${l} is outside 1..${visionLayers}`);
  }
  if (!Number.isInteger(cfg.imageAdaptUntil) || cfg.imageAdaptUntil < 0 || cfg.imageAdaptUntil > visionLayers) {
    throw new Error(`AAClipConfig.imageAdaptUntil must be in 0..${visionLayers}, got ${cfg.imageAdaptUntil}`);
  }
  if (!Number.isInteger(cfg.textAdaptUntil) || cfg.textAdaptUntil < 0 || (textLayers !== undefined && cfg.textAdaptUntil > textLayers)) {
    throw new Error(`AAClipConfig.textAdaptUntil must be in 0..${textLayers ?? 'text layers'}, got ${cfg.textAdaptUntil}`);
  }
  for (const k of ['textAdaptWeight', 'imageAdaptWeight'] as const) {
    if (!(cfg[k] >= 0 && cfg[k] <= 1)) throw new Error(`AAClipConfig.${k} must be in [0, 1], got ${cfg[k]}`);
  }
  if (!Number.isInteger(cfg.surgeryFrom) || cfg.surgeryFrom < 1 || cfg.surgeryFrom > visionLayers) {
    throw new Error(`AAClipConfig.surgeryFrom must be in 1..${visionLayers}, got ${cfg.surgeryFrom}`);
  }
}

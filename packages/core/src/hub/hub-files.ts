// Which files of a Hub repository the SDK reads: the CLIP weights, the tokenizer, and the files
// of a published AA-CLIP bundle (docs/hub.md). Pure: decisions on file lists and JSON.

/** CLIP weight files in order of preference (Hugging Face safetensors, its sharded index, open_clip, PyTorch). */
export const CLIP_WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'open_clip_model.safetensors', 'open_clip_pytorch_model.bin', 'pytorch_model.bin'] as const;

/** Tokenizer file sets in order of preference; one whole set is taken. */
export const TOKENIZER_FILE_SETS: readonly (readonly string[])[] = [['tokenizer.json'], ['vocab.json', 'merges.txt'], ['bpe_simple_vocab_16e6.txt.gz']];

/** The files of a published AA-CLIP bundle (see docs/hub.md). */
export const AACLIP_BUNDLE_FILES = Object.freeze({
  /** The model card: base CLIP, training data, image size, metrics. */
  card: 'aaclip.json',
  /** Adapters, anchors and the AA-CLIP / CLIP configurations (an `aaclip train` checkpoint). */
  adapters: 'adapters.safetensors',
  /** Thresholds per class (optional). */
  calibration: 'calibration.json',
});

/** The official AA-CLIP run's adapter files. */
const OFFICIAL_ADAPTERS = /^(?:.*\/)?(text_adapter\.pth|image_adapter_(\d+)\.pth)$/;

/** The `aaclip.json` model card of a published bundle. */
export interface AAClipCard {
  /** Format marker: 'aaclip-bundle'. */
  format: 'aaclip-bundle';
  /** Card version: 1. */
  version: 1;
  /** The CLIP the adapters were trained on: a model reference (`hf:openai/clip-vit-large-patch14-336`). */
  base: string;
  /** Bundle file names, when they differ from {@link AACLIP_BUNDLE_FILES}. */
  files?: { adapters?: string | string[]; calibration?: string };
  /** Training data (e.g. 'VisA, 32 shots per class'). */
  trainingData?: string;
  /** Input size in pixels the bundle was trained and evaluated at. */
  imageSize?: number;
  /** Measured metrics: dataset name -> metric name -> value (percent). */
  metrics?: Record<string, Record<string, number>>;
  /** Free text: licence, paper, author. */
  [extra: string]: unknown;
}

/** Reads and checks an `aaclip.json` card; errors name `where`. */
export function parseAAClipCard(text: string, where = 'aaclip.json'): AAClipCard {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: expected a JSON object`);
  const c = v as Record<string, unknown>;
  if (c.format !== 'aaclip-bundle') throw new Error(`${where}: "format" must be "aaclip-bundle", got ${JSON.stringify(c.format)}`);
  if (c.version !== 1) throw new Error(`${where}: unsupported "version" ${JSON.stringify(c.version)} (this SDK reads version 1)`);
  if (typeof c.base !== 'string' || !c.base) throw new Error(`${where}: "base" (the CLIP model reference) must be a non-empty string`);
  if (c.imageSize !== undefined && (!Number.isInteger(c.imageSize) || (c.imageSize as number) <= 0)) throw new Error(`${where}: "imageSize" must be a positive integer`);
  const files = c.files as AAClipCard['files'];
  if (files !== undefined && (typeof files !== 'object' || files === null)) throw new Error(`${where}: "files" must be an object`);
  return c as AAClipCard;
}

/**
 * The text of an `aaclip.json` card (checked by {@link parseAAClipCard}): what `aaclip train` /
 * `aaclip convert` can write beside a bundle before it is uploaded.
 *
 * @example formatAAClipCard({ base: 'hf:openai/clip-vit-large-patch14-336', trainingData: 'VisA', imageSize: 518, metrics: { mvtec: { imageAuroc: 90.1 } } })
 */
export function formatAAClipCard(fields: Omit<AAClipCard, 'format' | 'version'>): string {
  const text = `${JSON.stringify({ format: 'aaclip-bundle', version: 1, ...fields }, null, 2)}\n`;
  parseAAClipCard(text, 'aaclip.json');
  return text;
}

/** The CLIP weight file (with its shards, for an index) to read from a repository's file list, or null. */
export function chooseWeightFile(files: readonly string[]): string | null {
  const set = new Set(files);
  return CLIP_WEIGHT_FILES.find((f) => set.has(f)) ?? null;
}

/** The tokenizer files to read from a repository's file list (one whole set), or []. */
export function chooseTokenizerFiles(files: readonly string[]): string[] {
  const set = new Set(files);
  return [...(TOKENIZER_FILE_SETS.find((s) => s.every((f) => set.has(f))) ?? [])];
}

/**
 * The adapter files of a repository: a bundle's (its card's `files.adapters`, else
 * adapters.safetensors), else the official run's `text_adapter.pth` + the highest
 * `image_adapter_N.pth`; [] when there are none.
 */
export function chooseAdapterFiles(files: readonly string[], card?: AAClipCard | null): string[] {
  const named = card?.files?.adapters;
  if (named !== undefined) return typeof named === 'string' ? [named] : [...named];
  if (files.includes(AACLIP_BUNDLE_FILES.adapters)) return [AACLIP_BUNDLE_FILES.adapters];
  let text: string | undefined;
  let image: { file: string; n: number } | undefined;
  for (const f of files) {
    const m = OFFICIAL_ADAPTERS.exec(f);
    if (!m) continue;
    if (m[2] === undefined) text ??= f;
    else if (!image || Number(m[2]) > image.n) image = { file: f, n: Number(m[2]) };
  }
  return [text, image?.file].filter((f): f is string => f !== undefined);
}

/** The shard files named by a `model.safetensors.index.json` (its `weight_map` values, in first-seen order). */
export function shardFilesOfIndex(text: string, where = 'model.safetensors.index.json'): string[] {
  let v: { weight_map?: Record<string, unknown> };
  try {
    v = JSON.parse(text) as typeof v;
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const map = v?.weight_map;
  if (!map || typeof map !== 'object') throw new Error(`${where}: no "weight_map" object`);
  const out: string[] = [];
  for (const [key, file] of Object.entries(map)) {
    if (typeof file !== 'string' || !file || file.includes('..') || file.startsWith('/')) throw new Error(`${where}: key "${key}" maps to an invalid file ${JSON.stringify(file)}`);
    if (!out.includes(file)) out.push(file);
  }
  if (!out.length) throw new Error(`${where}: "weight_map" is empty`);
  return out;
}

/** The file a reference without a file means in a browser, where one URL is read per role. */
export type HubFileRole = 'model' | 'tokenizer' | 'adapters' | 'card';

/** The default file of a role (no repository listing needed): the browser's choice. */
export function defaultHubFile(role: HubFileRole): string {
  switch (role) {
    case 'model':
      return 'model.safetensors';
    case 'tokenizer':
      return 'tokenizer.json';
    case 'adapters':
      return AACLIP_BUNDLE_FILES.adapters;
    case 'card':
      return AACLIP_BUNDLE_FILES.card;
  }
}

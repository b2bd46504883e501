// Types of the programmatic hook `window.__aaclip` (used by the end-to-end test; no runtime code,
// so tests can import them without the app).

/** A backend choice of the app's select. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm';

/** Which model to run: the embedded demo model by default. */
export interface ModelRequest {
  /** Backend to run on (default: the select's value). */
  backend?: BackendChoice;
  /** Weights URL (default: the demo model served with the app). */
  modelUrl?: string;
  /** AA-CLIP checkpoint URL, when the adapters are not inside the model file. */
  adapterUrl?: string;
  /** CLIP BPE vocabulary / tokenizer.json URL, for models without a tokenizer in their metadata. */
  tokenizerUrl?: string;
  /** Model input size (default: the model's). */
  imageSize?: number;
  /** Attention heads, for weight files that do not say (e.g. plain OpenAI state dicts). */
  visionHeads?: number;
  textHeads?: number;
  /** Class-name table of the prompts (e.g. 'mvtec'). */
  promptDataset?: string;
}

/** A generated texture with one synthetic defect (see generateTexture / addDefect in @aaclip/synthetic), or none. */
export interface GeneratedImage {
  family: string;
  /** A defect kind, or 'none' for a good (defect-free) texture. */
  defect: string;
  seed: number;
  size: number;
}

/** One image: PNG/JPEG bytes in base64, a URL, or a generated sample. */
export type ImageRequest = { base64: string; type?: string } | { url: string } | { generate: GeneratedImage };

export interface DetectRequest extends ModelRequest {
  image: ImageRequest;
  className: string;
  domain?: 'industrial' | 'medical';
  /** Overlay colours: over this image's probability range ('image', default) or over 0..1. */
  colourScale?: 'image' | 'probability';
}

/** What the app reports about the backend in use. */
export interface BackendInfo {
  active: string;
  tfjsName: string;
  /** For webgpu: the adapter ("google swiftshader"). */
  adapter?: string;
  how: string;
  skipped: { name: string; reason: string }[];
}

/** The overlay's colour range and its legend, in anomaly-probability units (those of mapMax and score). */
export interface ColoursInfo {
  scale: 'image' | 'probability';
  /** Probability drawn dark blue. */
  min: number;
  /** Probability drawn dark red. */
  max: number;
  /** The legend's text on the page. */
  text: string;
}

export interface DetectResponse {
  backend: BackendInfo;
  className: string;
  /** Side of the (square) maps. */
  size: number;
  score: number;
  imageScore: number;
  mapMax: number;
  /** Raw AA-CLIP anomaly map (the official test map), size * size values, row-major. */
  anomalyMap: number[];
  /** What the overlay's colours mean. */
  colours: ColoursInfo;
  /** Size of the decoded image. */
  imageWidth: number;
  imageHeight: number;
  /** Milliseconds spent selecting the backend and loading the model (0 when reused). */
  loadMs: number;
  /** Milliseconds of the detection itself (preprocessing included). */
  detectMs: number;
}

/** A preprocessed batch [B, S, S, 3] (CLIP-normalised, NHWC), flattened. */
export interface BatchRequest extends ModelRequest {
  shape: [number, number, number, number];
  data: number[];
  className: string;
  /** Classes whose anchors are computed up front. */
  classNames?: string[];
}

export interface BatchResponse {
  backend: BackendInfo;
  size: number;
  /** One anomaly map (size * size) per image. */
  anomalyMaps: number[][];
  imageScores: number[];
  detectMs: number;
}

/** Known-good images of a class, added to its bank of normal references (few-shot head). */
export interface ReferencesRequest extends ModelRequest {
  images: ImageRequest[];
  className: string;
  /** Forget the class's bank first (default false: the images are added to it). */
  replace?: boolean;
}

/** What a class's bank of normal references holds (NormalReferenceInfo of @aaclip/core). */
export interface ReferencesResponse {
  backend: BackendInfo;
  className: string;
  /** Reference images in the bank. */
  images: number;
  /** Patches banked per layer (= images x grid^2 without a coreset). */
  bankSize: number;
  /** Milliseconds spent encoding and banking these images. */
  addMs: number;
}

/** A detection with the class's normal references added (AA-CLIP map + few-shot map, combineFewShot). */
export interface ReferenceDetectResponse extends DetectResponse {
  /** Reference images and patches in the class's bank. */
  references: number;
  bankSize: number;
  /** max of the few-shot map (1 - nearest normal patch cosine, summed over levels). */
  fewShotMax: number;
  /** max of the combined map. */
  combinedMax: number;
  /** AA-CLIP's own score for the image (without references). */
  zeroShotScore: number;
}

/** An unlabeled batch of one class, scored by MuSc (mutual scoring, no references, no text). */
export interface MuscRequest extends ModelRequest {
  images: ImageRequest[];
}

export interface MuscResponse {
  backend: BackendInfo;
  size: number;
  /** RsCIN scores, one per image, in input order. */
  scores: number[];
  /** Maximum of each image's map. */
  mapMaxes: number[];
  /** Index of the highest-scoring image (shown on the overlay). */
  top: number;
  detectMs: number;
}

/** `window.__aaclip`, set once the app has started. */
export interface AAClipHook {
  /** Runs a detection through the app, as the UI does, and shows it on the page. */
  detect(req: DetectRequest): Promise<DetectResponse>;
  /** Runs the detector on a preprocessed batch (numerical checks). */
  detectBatch(req: BatchRequest): Promise<BatchResponse>;
  /** Adds known-good images to the class's bank of normal references (shown on the page). */
  addReferences(req: ReferencesRequest): Promise<ReferencesResponse>;
  /** Detects with the class's normal references added; rejects when the class has none. */
  detectWithReferences(req: DetectRequest): Promise<ReferenceDetectResponse>;
  /** Scores a batch with MuSc; rejects (and shows the message) when the batch is too small. */
  muscBatch(req: MuscRequest): Promise<MuscResponse>;
  /** URL of the embedded demo model. */
  demoModelUrl: string;
}

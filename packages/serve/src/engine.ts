// The detection engine behind `aaclip serve`: one interface for detection in this process
// (local-engine.ts) and on a BullMQ queue (queue/). The HTTP layer only talks to this.

/** The detection heads a request can ask for. */
export type DetectMethod = 'aaclip' | 'musc' | 'few-shot';

/** An encoded image (PNG, JPEG, BMP, WebP, TIFF, GIF) as a client sent it. */
export interface DetectImage {
  bytes: Uint8Array;
  /** The client's name for it (multipart file name), echoed in the result; never opened. */
  name?: string;
}

export interface DetectRequestOptions {
  domain?: 'industrial' | 'medical';
  /** Score (0..1) from which an image is called anomalous; default: the model's calibration of the class. */
  threshold?: number;
  /** Return the anomaly map overlay as a PNG per image (default true). */
  maps?: boolean;
}

export interface DetectRequest {
  className: string;
  method: DetectMethod;
  images: DetectImage[];
  options?: DetectRequestOptions;
  /** Known-good images of the class (method 'few-shot'). */
  normals?: DetectImage[];
  /**
   * The client's id of this request (HTTP Idempotency-Key): a queue engine runs a resubmission
   * with the same id once and answers it with the stored result; the local engine ignores it.
   */
  jobId?: string;
}

export interface ImageResult {
  name?: string;
  /** The fused score of this image (core's aaclip/score.ts). */
  score: number;
  imageScore: number;
  mapMax: number;
  /** With a threshold (given or calibrated): score >= threshold. */
  isAnomalous?: boolean;
  threshold?: number;
  /** The anomaly map over the image as a PNG (image size), when maps were asked for. */
  mapPng?: Uint8Array;
  /** Side of the square maps the model computed. */
  size: number;
  width?: number;
  height?: number;
}

export interface DetectResponse {
  className: string;
  method: DetectMethod;
  results: ImageResult[];
  /** The tfjs backend that ran it (wasm, cpu, ...). */
  backend: string;
  /** Milliseconds from the request's arrival at the engine to its result. */
  ms: number;
}

export type Readiness = { ok: true } | { ok: false; reason: string };

export interface DetectEngine {
  /** Runs a request; rejects with {@link RequestError} for the client's mistakes. */
  detect(req: DetectRequest, signal?: AbortSignal): Promise<DetectResponse>;
  /** Known class names (the prompt tables and the model's stored anchors/calibrations). */
  classes(): readonly string[];
  ready(): Readiness;
  backend(): string;
  close(): Promise<void>;
}

/** The client's mistake (bad image, unknown class, ...): an HTTP 4xx with a JSON body. */
export class RequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestError';
    this.status = status;
    this.code = code;
  }
}

/** The engine (or its queue) is full: HTTP 429 with Retry-After. */
export class BusyError extends RequestError {
  readonly retryAfterS: number;
  constructor(message: string, retryAfterS = 1) {
    super(429, 'busy', message);
    this.name = 'BusyError';
    this.retryAfterS = retryAfterS;
  }
}

export const DETECT_METHODS: readonly DetectMethod[] = ['aaclip', 'musc', 'few-shot'];

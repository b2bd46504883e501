/**
 * Raised when image bytes cannot be decoded (corrupt, truncated or unsupported format).
 * `fileName` names the file (or the caller's label for in-memory bytes).
 *
 * @example
 * try { await decodeImageFile('a.png'); } catch (e) { if (e instanceof ImageDecodeError) console.log(e.fileName); }
 */
export class ImageDecodeError extends Error {
  /** The file (or label) whose bytes failed to decode. */
  readonly fileName: string;

  constructor(fileName: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot decode image ${fileName}: ${reason}`, options);
    this.name = 'ImageDecodeError';
    this.fileName = fileName;
  }
}

/**
 * The one error type every weight reader in this folder throws for bad input bytes
 * (safetensors, torch zip archives, pickles, TorchScript), with a machine-readable `code`.
 */

/**
 * What went wrong, by kind:
 * - `NOT_RECOGNIZED`: the bytes are not any supported weight format.
 * - `TRUNCATED`: the data ends before a structure it declares (file cut short).
 * - `BAD_HEADER`: a safetensors header that is not valid UTF-8 JSON of the right shape.
 * - `BAD_ARCHIVE`: a corrupt zip structure (directory, local header, deflate stream).
 * - `BAD_PICKLE`: a malformed pickle program (stack underflow, unknown memo key, wrong types).
 * - `BAD_SHAPE`: a shape that is not a list of non-negative integers, has too many
 *   dimensions, or too many elements.
 * - `SIZE_MISMATCH`: a byte size that does not equal element count x element size.
 * - `OUT_OF_BOUNDS`: an offset, extent or view outside the file, data area or storage.
 * - `OVERLAP`: two tensors claim the same bytes.
 * - `DUPLICATE_KEY`: a tensor name (or header key, or archive member) appears twice.
 * - `UNSUPPORTED`: valid but unsupported (dtype, compression method, opcode, legacy format).
 * - `LIMIT`: a configured bound was exceeded (header size, stack depth, memo, nesting,
 *   bytes a file may make the reader allocate).
 * - `UNSAFE_GLOBAL`: a pickle names a Python global outside the allow-list.
 * - `NON_FINITE`: a weight holds NaN or +-Infinity ({@link NonFiniteWeightError}).
 */
export type WeightFormatErrorCode =
  | 'NOT_RECOGNIZED'
  | 'TRUNCATED'
  | 'BAD_HEADER'
  | 'BAD_ARCHIVE'
  | 'BAD_PICKLE'
  | 'BAD_SHAPE'
  | 'SIZE_MISMATCH'
  | 'OUT_OF_BOUNDS'
  | 'OVERLAP'
  | 'DUPLICATE_KEY'
  | 'UNSUPPORTED'
  | 'LIMIT'
  | 'UNSAFE_GLOBAL'
  | 'NON_FINITE';

/** Every {@link WeightFormatErrorCode}. */
export const WEIGHT_FORMAT_ERROR_CODES: readonly WeightFormatErrorCode[] = [
  'NOT_RECOGNIZED', 'TRUNCATED', 'BAD_HEADER', 'BAD_ARCHIVE', 'BAD_PICKLE', 'BAD_SHAPE', 'SIZE_MISMATCH',
  'OUT_OF_BOUNDS', 'OVERLAP', 'DUPLICATE_KEY', 'UNSUPPORTED', 'LIMIT', 'UNSAFE_GLOBAL', 'NON_FINITE',
];

/** Where an error happened, when known. */
export interface WeightErrorContext {
  /** File name (or caller's label) of the weight file. Prefixed to the message. */
  file?: string;
  /** Tensor name, header key, archive member or storage key the problem is about. */
  key?: string;
  cause?: unknown;
}

/**
 * A weight file that cannot be read safely. `message` names the format, the file (when the
 * caller passed `fileName`) and the tensor/key; `code` says what kind of problem it is.
 *
 * @example
 * try { readSafetensors(bytes, { fileName: 'clip.safetensors' }); }
 * catch (e) { if (e instanceof WeightFormatError && e.code === 'TRUNCATED') console.log('download again'); }
 */
export class WeightFormatError extends Error {
  override readonly name: string = 'WeightFormatError';
  readonly code: WeightFormatErrorCode;
  /** The file label, when the reader was given one. */
  readonly file: string | undefined;
  /** The tensor / key / member the problem is about, when known. */
  readonly key: string | undefined;

  constructor(code: WeightFormatErrorCode, message: string, context: WeightErrorContext = {}) {
    super(context.file !== undefined ? `${context.file}: ${message}` : message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.file = context.file;
    this.key = context.key;
  }
}

/**
 * A weight holding NaN or +-Infinity (see `checkFinite`): names the tensor, the flat
 * index of the first bad element and its value.
 *
 * @example
 * try { checkFinite(tensors); } catch (e) { if (e instanceof NonFiniteWeightError) console.log(e.key, e.index); }
 */
export class NonFiniteWeightError extends WeightFormatError {
  override readonly name: string = 'NonFiniteWeightError';
  /** Flat (row-major) index of the first non-finite element. */
  readonly index: number;
  /** The offending value (NaN, Infinity or -Infinity). */
  readonly value: number;
  /** How many elements of this tensor are non-finite. */
  readonly count: number;

  constructor(key: string, index: number, value: number, count: number, context: Omit<WeightErrorContext, 'key'> = {}) {
    super('NON_FINITE', `tensor '${key}' has ${count} non-finite value(s); the first is ${value} at flat index ${index}`, { ...context, key });
    this.index = index;
    this.value = value;
    this.count = count;
  }
}

/**
 * Re-throws `e` with `prefix` added to its message, keeping its code (a foreign error
 * becomes `fallback`). For wrapping errors from an inner layer (e.g. a tensor rebuild
 * inside a pickle) with the outer layer's location.
 *
 * @example try { inner(); } catch (e) { throw rewrapWeightError(e, 'BAD_PICKLE', 'pickle data.pkl'); }
 */
export function rewrapWeightError(e: unknown, fallback: WeightFormatErrorCode, prefix: string, context: WeightErrorContext = {}): WeightFormatError {
  let inner = e instanceof Error ? e.message : String(e);
  if (e instanceof WeightFormatError) {
    // the file is named once, by the outermost layer
    if (e.file !== undefined && inner.startsWith(`${e.file}: `)) inner = inner.slice(e.file.length + 2);
    return new WeightFormatError(e.code, `${prefix}: ${inner}`, { ...context, file: context.file ?? e.file, key: context.key ?? e.key, cause: e });
  }
  return new WeightFormatError(fallback, `${prefix}: ${inner}`, { ...context, cause: e });
}

/**
 * A short, bounded, never-throwing description of a value for error messages (unlike
 * JSON.stringify it survives cycles, deep nesting, bigints and huge arrays).
 *
 * @example previewValue([1, [2, 3], 'x']) // '[1, [2, 3], "x"]'
 */
export function previewValue(v: unknown, depth = 2, maxItems = 6): string {
  if (v === null) return 'None';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v !== 'object') return typeof v;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  const list = (items: unknown[], open: string, close: string, total: number): string => {
    if (depth <= 0) return `${open}…${close}`;
    const shown = items.slice(0, maxItems).map((x) => previewValue(x, depth - 1, maxItems));
    return `${open}${shown.join(', ')}${total > maxItems ? ', …' : ''}${close}`;
  };
  if (Array.isArray(v)) return list(v.slice(0, maxItems), '[', ']', v.length);
  if (v instanceof Map) return `dict(${v.size})`;
  if (v instanceof Set) return `set(${v.size})`;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : 'object';
}

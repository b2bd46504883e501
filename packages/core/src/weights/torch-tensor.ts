/**
 * Torch storages and tensor rebuilding for the safe unpickler: the allow-listed
 * `torch.*Storage` types, `torch._utils._rebuild_tensor_v2` and friends, implemented in TS.
 */
import { decodeElements, ELEMENT_SIZE, type ElementKind } from './dtype-convert';
import { checkedNumel, isValidShape, type NamedTensor } from './named-tensor';
import { PickleFunction } from './pickle-values';
import { previewValue, WeightFormatError } from './weight-format-error';

/** Storage classes torch.save writes, and how their elements are encoded. */
export const TORCH_STORAGE_KINDS: Readonly<Record<string, ElementKind>> = {
  FloatStorage: 'f32', HalfStorage: 'f16', BFloat16Storage: 'bf16', DoubleStorage: 'f64',
  LongStorage: 'i64', IntStorage: 'i32', ShortStorage: 'i16', CharStorage: 'i8', ByteStorage: 'u8', BoolStorage: 'bool',
};

/**
 * The value a `torch.FloatStorage`-like GLOBAL resolves to.
 *
 * @example new TorchStorageType('HalfStorage', 'f16')
 */
export class TorchStorageType {
  constructor(
    readonly name: string,
    readonly kind: ElementKind,
  ) {}
}

/**
 * A storage loaded from an archive: raw little-endian bytes of exactly `numel` elements
 * (a member whose size differs is a `SIZE_MISMATCH` {@link WeightFormatError}).
 *
 * @example new TorchStorage(new TorchStorageType('FloatStorage', 'f32'), '0', 6, member)
 */
export class TorchStorage {
  constructor(
    readonly type: TorchStorageType,
    readonly key: string,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {
    const itemsize = ELEMENT_SIZE[type.kind];
    if (!Number.isSafeInteger(numel) || numel < 0 || numel > bytes.length || numel * itemsize !== bytes.length) {
      throw new WeightFormatError(
        'SIZE_MISMATCH',
        `storage '${key}' (${type.name}) declares ${String(numel)} elements (${Number.isSafeInteger(numel) ? numel * itemsize : '?'} bytes) but holds ${bytes.length} bytes`,
        { key },
      );
    }
  }
}

/**
 * A shared allowance of bytes that tensor rebuilding may allocate (copies of strided views,
 * half -> float widening, unaligned data); zero-copy views are free. Loaders size it from the
 * file so a hostile view (e.g. a huge shape with zero strides) fails before allocating.
 *
 * @example const budget = new AllocationBudget(4 * fileBytes + (16 << 20));
 */
export class AllocationBudget {
  constructor(public remaining: number) {}

  /** Takes `bytes` from the allowance or throws a `LIMIT` error naming `what`. */
  charge(bytes: number, what: string): void {
    if (!(bytes <= this.remaining)) {
      throw new WeightFormatError('LIMIT', `${what} would allocate ${bytes} bytes, more than the ${this.remaining} left to this file (a hostile or corrupt shape?)`);
    }
    this.remaining -= bytes;
  }
}

const ZERO_COPY_KINDS: ReadonlySet<ElementKind> = new Set<ElementKind>(['f32', 'f64', 'i32', 'i64']);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes decodeElements allocates for `count` elements of `kind` starting at `bytes[0]`. */
function decodeCost(bytes: Uint8Array, kind: ElementKind, count: number): number {
  const itemsize = ELEMENT_SIZE[kind];
  if (ZERO_COPY_KINDS.has(kind) && LITTLE_ENDIAN_HOST && bytes.byteOffset % itemsize === 0) return 0;
  return count * (kind === 'f64' || kind === 'i64' ? 8 : 4);
}

/**
 * Builds a contiguous tensor from a storage view (offset, size, stride), like
 * `torch._utils._rebuild_tensor_v2`. Contiguous views are zero-copy where alignment allows;
 * strided views are copied. The view's extent (offset + sum of (size-1)*stride) is computed
 * without overflow and must lie inside the storage; allocations are charged to `budget`
 * (default: 4x the storage's bytes + 16 MiB for this one view).
 *
 * @example rebuildTensor(storage, 0, [2, 3], [3, 1]) // { dtype: 'float32', shape: [2, 3], ... }
 */
export function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, budget?: AllocationBudget): NamedTensor {
  if (!(storage instanceof TorchStorage)) {
    throw new WeightFormatError('BAD_PICKLE', `tensor storage is not a loaded torch storage (got ${previewValue(storage)})`);
  }
  const where = `tensor on storage '${storage.key}' (${storage.type.name}, ${storage.numel} elements)`;
  const oob = (msg: string): never => {
    throw new WeightFormatError('OUT_OF_BOUNDS', `${where}: ${msg}`, { key: storage.key });
  };
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new WeightFormatError('BAD_PICKLE', `${where}: invalid storage offset ${previewValue(offset)}`, { key: storage.key });
  }
  const kind = storage.type.kind;
  const itemsize = ELEMENT_SIZE[kind];
  const numel = checkedNumel(size, itemsize, `${where}: size`);
  const shape = size as number[];
  if (!isValidShape(stride) || stride.length !== shape.length) {
    throw new WeightFormatError('BAD_SHAPE', `${where}: stride must be a tuple of non-negative integers as long as size [${shape.join(', ')}], got ${previewValue(stride)}`, { key: storage.key });
  }
  const strides = stride;
  const sourceDtype = storage.type.name;
  if (offset > storage.numel) oob(`storage offset ${offset} is past the end`);
  if (numel === 0) return { ...decodeElements(new Uint8Array(0), kind, 0), shape: shape.slice(), sourceDtype };
  // Every term is checked against the storage before it is added, so `last` stays exact.
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    const extent = shape[d]! - 1;
    if (extent === 0 || strides[d] === 0) continue;
    if (extent > storage.numel || strides[d]! > storage.numel || extent * strides[d]! >= storage.numel - last) {
      oob(`view offset ${offset}, size [${shape.join(', ')}], stride [${strides.join(', ')}] reaches element ${last + extent * strides[d]!}, outside the storage`);
    }
    last += extent * strides[d]!;
  }
  if (last >= storage.numel) {
    oob(`view offset ${offset}, size [${shape.join(', ')}], stride [${strides.join(', ')}] reaches element ${last}, outside the storage`);
  }
  let contiguous = true;
  for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) contiguous = false;
    expect *= shape[d]!;
  }
  const from = storage.bytes.subarray(offset * itemsize);
  // Without a shared allowance, one view may allocate 4x its storage (plus 16 MiB).
  const allowance = budget ?? new AllocationBudget(4 * storage.bytes.length + 16 * 2 ** 20);
  if (contiguous) {
    allowance.charge(decodeCost(from, kind, numel), where);
    return { ...decodeElements(from, kind, numel), shape: shape.slice(), sourceDtype };
  }
  const spanCount = last - offset + 1;
  allowance.charge(decodeCost(from, kind, spanCount) + numel * (kind === 'f64' || kind === 'i64' ? 8 : 4), where);
  const span = decodeElements(from, kind, spanCount);
  const src = span.data;
  const out = new (src.constructor as new (n: number) => typeof src)(numel);
  const index = new Array<number>(shape.length).fill(0);
  let s = 0;
  for (let i = 0; i < numel; i++) {
    out[i] = src[s]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) {
        s += strides[d]!;
        break;
      }
      s -= (shape[d]! - 1) * strides[d]!;
      index[d] = 0;
    }
  }
  return { dtype: span.dtype, data: out, shape: shape.slice(), sourceDtype };
}

/**
 * Allow-listed torch globals: storage types and tensor/parameter rebuild functions. Tensor
 * allocations are charged to `budget` when one is given.
 *
 * @example torchPickleGlobals()['torch.HalfStorage'] // TorchStorageType { kind: 'f16' }
 */
export function torchPickleGlobals(budget?: AllocationBudget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(TORCH_STORAGE_KINDS)) out[`torch.${name}`] = new TorchStorageType(name, kind);
  const fn = (name: string, call: (args: unknown[]) => unknown): PickleFunction => {
    const f = new PickleFunction(name, call);
    out[name] = f;
    return f;
  };
  const v2 = fn('torch._utils._rebuild_tensor_v2', (a) => rebuildTensor(a[0], a[1], a[2], a[3], budget));
  const v1 = fn('torch._utils._rebuild_tensor', (a) => rebuildTensor(a[0], a[1], a[2], a[3], budget));
  fn('torch._utils._rebuild_parameter', (a) => a[0]);
  fn('torch._utils._rebuild_parameter_with_state', (a) => a[0]);
  fn('torch._tensor._rebuild_from_type_v2', (a) => {
    const [func, , args] = a;
    // Only the tensor rebuild functions may be forwarded to (no chains of calls).
    if (func !== v2 && func !== v1) throw new WeightFormatError('UNSAFE_GLOBAL', `_rebuild_from_type_v2: rebuild function ${previewValue(func)} is not allowed`);
    if (!Array.isArray(args)) throw new WeightFormatError('BAD_PICKLE', `_rebuild_from_type_v2: arguments are not a tuple (got ${previewValue(args)})`);
    return (func as PickleFunction).call(args);
  });
  // Types named by _rebuild_from_type_v2 (ignored there: tensors are plain data here).
  out['torch.Tensor'] = 'torch.Tensor';
  out['torch.nn.parameter.Parameter'] = 'torch.nn.parameter.Parameter';
  for (const dt of ['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16', 'int8', 'uint8', 'bool']) {
    out[`torch.${dt}`] = `torch.${dt}`;
  }
  return out;
}

/**
 * Torch storages and tensor rebuilding for the safe unpickler: the allow-listed
 * `torch.*Storage` types, `torch._utils._rebuild_tensor_v2` and friends, implemented in TS.
 */
import { decodeElements, ELEMENT_SIZE, type ElementKind } from './dtype-convert';
import { isValidShape, shapeSize, type NamedTensor } from './named-tensor';
import { PickleFunction } from './pickle-values';

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
 * A storage loaded from an archive: raw little-endian bytes of `numel` elements.
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
    if (bytes.length < numel * ELEMENT_SIZE[type.kind]) {
      throw new Error(`storage '${key}' (${type.name}) declares ${numel} elements (${numel * ELEMENT_SIZE[type.kind]} bytes) but holds ${bytes.length} bytes`);
    }
  }
}

function intList(v: unknown, what: string): number[] {
  if (!isValidShape(v)) throw new Error(`${what} must be a tuple of non-negative integers, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Builds a contiguous tensor from a storage view (offset, size, stride), like
 * `torch._utils._rebuild_tensor_v2`. Contiguous views are zero-copy where alignment allows;
 * strided views are copied. A view reaching outside its storage is an error.
 *
 * @example rebuildTensor(storage, 0, [2, 3], [3, 1]) // { dtype: 'float32', shape: [2, 3], ... }
 */
export function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown): NamedTensor {
  if (!(storage instanceof TorchStorage)) throw new Error('tensor storage is not a loaded torch storage');
  const where = `tensor on storage '${storage.key}' (${storage.type.name}, ${storage.numel} elements)`;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new Error(`${where}: invalid storage offset ${String(offset)}`);
  }
  const shape = intList(size, `${where}: size`);
  const strides = intList(stride, `${where}: stride`);
  if (strides.length !== shape.length) {
    throw new Error(`${where}: size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in length`);
  }
  const kind = storage.type.kind;
  const numel = shapeSize(shape);
  const sourceDtype = storage.type.name;
  if (numel === 0) return { ...decodeElements(new Uint8Array(0), kind, 0), shape, sourceDtype };
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * strides[d]!;
  if (last >= storage.numel) {
    throw new Error(`${where}: view offset ${offset}, size [${shape.join(', ')}], stride [${strides.join(', ')}] reaches element ${last}, outside the storage`);
  }
  const itemsize = ELEMENT_SIZE[kind];
  let contiguous = true;
  for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) contiguous = false;
    expect *= shape[d]!;
  }
  if (contiguous) {
    return { ...decodeElements(storage.bytes.subarray(offset * itemsize), kind, numel), shape, sourceDtype };
  }
  const span = decodeElements(storage.bytes.subarray(offset * itemsize), kind, last - offset + 1);
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
  return { dtype: span.dtype, data: out, shape, sourceDtype };
}

/**
 * Allow-listed torch globals: storage types and tensor/parameter rebuild functions.
 *
 * @example torchPickleGlobals()['torch.HalfStorage'] // TorchStorageType { kind: 'f16' }
 */
export function torchPickleGlobals(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(TORCH_STORAGE_KINDS)) out[`torch.${name}`] = new TorchStorageType(name, kind);
  const fn = (name: string, call: (args: unknown[]) => unknown): void => {
    out[name] = new PickleFunction(name, call);
  };
  fn('torch._utils._rebuild_tensor_v2', (a) => rebuildTensor(a[0], a[1], a[2], a[3]));
  fn('torch._utils._rebuild_tensor', (a) => rebuildTensor(a[0], a[1], a[2], a[3]));
  fn('torch._utils._rebuild_parameter', (a) => a[0]);
  fn('torch._utils._rebuild_parameter_with_state', (a) => a[0]);
  fn('torch._tensor._rebuild_from_type_v2', (a) => {
    const [func, , args] = a;
    if (!(func instanceof PickleFunction)) throw new Error('_rebuild_from_type_v2: rebuild function is not allow-listed');
    if (!Array.isArray(args)) throw new Error('_rebuild_from_type_v2: arguments are not a tuple');
    return func.call(args);
  });
  for (const dt of ['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16', 'int8', 'uint8', 'bool']) {
    out[`torch.${dt}`] = `torch.${dt}`;
  }
  return out;
}

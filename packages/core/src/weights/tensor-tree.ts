/**
 * Flattens an unpickled object tree into dotted tensor names: dict keys, list indices and
 * record (module) attributes are joined with '.'. torch.nn.Module pickles are walked
 * through their `_parameters`, `_buffers` and `_modules` dicts without naming them.
 */
import { isNamedTensor, type TensorMap } from './named-tensor';
import { PickleRecord } from './pickle-values';
import { WeightFormatError } from './weight-format-error';

const MODULE_DICTS = ['_parameters', '_buffers', '_modules'];
/** Longest tensor path accepted (hostile key strings could otherwise build huge names). */
const MAX_PATH = 4096;

export interface FlattenOptions {
  /** Maximum nesting depth (default 1000). */
  maxDepth?: number;
  /** Maximum number of nodes visited; shared sub-trees count each time (default 1,000,000). */
  maxVisits?: number;
  /** File name (or label) used in error messages. */
  fileName?: string;
}

/**
 * Collects every tensor leaf of `root` by path. Two leaves with the same path (e.g. a dict
 * key `'a.b'` beside a nested `a` -> `b`) are a `DUPLICATE_KEY` {@link WeightFormatError};
 * exceeding `maxDepth` or `maxVisits` is a `LIMIT` error.
 *
 * @example flattenTensors(new Map([['a', new Map([['b', t]])]])) // Map { 'a.b' => t }
 */
export function flattenTensors(root: unknown, opts: FlattenOptions = {}): TensorMap {
  const maxDepth = opts.maxDepth ?? 1000;
  const maxVisits = opts.maxVisits ?? 1_000_000;
  const file = opts.fileName;
  let visits = 0;
  const out: TensorMap = new Map();
  const active = new Set<unknown>();
  const join = (path: string, key: string): string => {
    if (path.length + key.length >= MAX_PATH) {
      throw new WeightFormatError('LIMIT', `flattenTensors: tensor path longer than ${MAX_PATH} characters ('${path.slice(0, 80)}…')`, { file });
    }
    return path === '' ? key : `${path}.${key}`;
  };
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value === null || typeof value !== 'object') return;
    if (++visits > maxVisits) {
      throw new WeightFormatError('LIMIT', `flattenTensors: more than ${maxVisits} nodes visited (shared sub-trees?)`, { file });
    }
    if (isNamedTensor(value)) {
      if (out.has(path)) throw new WeightFormatError('DUPLICATE_KEY', `flattenTensors: two tensors are named '${path}'`, { file, key: path });
      out.set(path, value);
      return;
    }
    if (active.has(value)) return; // a cycle: the object contains itself
    if (depth > maxDepth) {
      throw new WeightFormatError('LIMIT', `flattenTensors: nesting deeper than ${maxDepth} at '${path.slice(0, 200)}'`, { file });
    }
    active.add(value);
    const isObject = (v: unknown): boolean => v !== null && typeof v === 'object';
    if (value instanceof Map) {
      for (const [k, v] of value) {
        if (isObject(v) && (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint')) walk(v, join(path, String(k)), depth + 1);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (isObject(v)) walk(v, join(path, String(i)), depth + 1);
      });
    } else if (value instanceof PickleRecord) {
      const state = value.state;
      if (state instanceof Map && MODULE_DICTS.some((k) => state.get(k) instanceof Map)) {
        for (const k of MODULE_DICTS) walk(state.get(k), path, depth + 1);
      } else {
        walk(state, path, depth + 1);
      }
      if (value.entries) walk(value.entries, path, depth + 1);
      if (value.items) walk(value.items, path, depth + 1);
    }
    active.delete(value);
  };
  walk(root, '', 0);
  return out;
}

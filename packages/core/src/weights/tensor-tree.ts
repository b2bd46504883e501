/**
 * Flattens an unpickled object tree into dotted tensor names: dict keys, list indices and
 * record (module) attributes are joined with '.'. torch.nn.Module pickles are walked
 * through their `_parameters`, `_buffers` and `_modules` dicts without naming them.
 */
import { isNamedTensor, type TensorMap } from './named-tensor';
import { PickleRecord } from './pickle-values';

const MODULE_DICTS = ['_parameters', '_buffers', '_modules'];

export interface FlattenOptions {
  /** Maximum nesting depth (default 1000). */
  maxDepth?: number;
  /** Maximum number of nodes visited; shared sub-trees count each time (default 10,000,000). */
  maxVisits?: number;
}

/**
 * Collects every tensor leaf of `root` by path.
 *
 * @example flattenTensors(new Map([['a', new Map([['b', t]])]])) // Map { 'a.b' => t }
 */
export function flattenTensors(root: unknown, opts: FlattenOptions = {}): TensorMap {
  const maxDepth = opts.maxDepth ?? 1000;
  const maxVisits = opts.maxVisits ?? 10_000_000;
  let visits = 0;
  const out: TensorMap = new Map();
  const active = new Set<unknown>();
  const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value === null || typeof value !== 'object') return;
    if (++visits > maxVisits) throw new Error(`flattenTensors: more than ${maxVisits} nodes visited (shared sub-trees?)`);
    if (isNamedTensor(value)) {
      out.set(path, value);
      return;
    }
    if (active.has(value)) return; // a cycle: the object contains itself
    if (depth > maxDepth) throw new Error(`flattenTensors: nesting deeper than ${maxDepth} at '${path}'`);
    active.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) {
        if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint') walk(v, join(path, String(k)), depth + 1);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, join(path, String(i)), depth + 1));
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

/**
 * The allow-list of Python globals the safe unpickler resolves. Each entry is either a
 * plain value or a {@link PickleFunction} implemented here in TypeScript: nothing from the
 * file is ever executed, and any global not listed is refused (`UNSAFE_GLOBAL`) unless the
 * caller opts into inert records.
 *
 * The list (see {@link defaultPickleGlobals}):
 * - containers: `collections.OrderedDict`, `builtins.set`, `builtins.frozenset` (and the
 *   Python 2 `__builtin__.*` spellings), `_codecs.encode` (bytes in protocol-2 pickles),
 *   `torch.Size` (a tuple);
 * - `torch.device` (becomes a string such as `'cuda:0'`);
 * - TorchScript helpers `torch.jit._pickle.build_{intlist,floatlist,boollist,tensorlist,doublelist}`
 *   and `torch.jit._pickle.restore_type_tag` (identity);
 * - tensors ({@link torchPickleGlobals}): `torch._utils._rebuild_tensor_v2`,
 *   `torch._utils._rebuild_tensor`, `torch._utils._rebuild_parameter`,
 *   `torch._utils._rebuild_parameter_with_state`, `torch._tensor._rebuild_from_type_v2`, the
 *   storage types `torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage`,
 *   and dtype names `torch.float32`, `torch.float16`, … (strings).
 *
 * Besides this list, callers may allow class *prefixes* to become inert
 * {@link PickleRecord}s (`recordClasses`): the TorchScript reader allows `__torch__.` (the
 * scripted module classes, whose BUILD state holds the parameters).
 */
import { PickleFunction } from './pickle-values';
import { torchPickleGlobals } from './torch-tensor';
import { previewValue } from './weight-format-error';

function encodeString(args: unknown[]): Uint8Array {
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string') throw new Error(`_codecs.encode: expected a string, got ${previewValue(text)}`);
  if (typeof encoding !== 'string') throw new Error(`_codecs.encode: encoding must be a string, got ${previewValue(encoding)}`);
  const enc = encoding.toLowerCase();
  if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) throw new Error(`_codecs.encode: character ${c} is not latin-1`);
      out[i] = c;
    }
    return out;
  }
  if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(text);
  throw new Error(`_codecs.encode: unsupported encoding ${previewValue(encoding)}`);
}

function fillMap(map: Map<unknown, unknown>, init: unknown): Map<unknown, unknown> {
  if (init instanceof Map) for (const [k, v] of init) map.set(k, v);
  else if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`OrderedDict: items must be pairs, got ${previewValue(pair)}`);
      map.set(pair[0], pair[1]);
    }
  } else if (init !== undefined && init !== null) {
    throw new Error(`OrderedDict: cannot build from ${previewValue(init)}`);
  }
  return map;
}

function device(args: unknown[]): string {
  const parts = args.filter((a) => a !== null && a !== undefined);
  if (!parts.every((a) => typeof a === 'string' || typeof a === 'number')) {
    throw new Error(`torch.device: expected a type string and an optional index, got ${previewValue(args)}`);
  }
  return parts.join(':');
}

/**
 * The default allow-list (documented in this module's header), as `module.name` -> value.
 *
 * @example Object.keys(defaultPickleGlobals()).includes('torch._utils._rebuild_tensor_v2') // true
 */
export function defaultPickleGlobals(): Record<string, unknown> {
  const fn = (name: string, call: (args: unknown[]) => unknown): [string, PickleFunction] => [name, new PickleFunction(name, call)];
  const toSet = (args: unknown[]): Set<unknown> => {
    if (args[0] !== undefined && !Array.isArray(args[0])) throw new Error(`set: expected a list, got ${previewValue(args[0])}`);
    return new Set(args[0] ?? []);
  };
  const first = (args: unknown[]): unknown => args[0];
  const tuple = (args: unknown[]): unknown[] => {
    if (args[0] !== undefined && !Array.isArray(args[0])) throw new Error(`torch.Size: expected a tuple, got ${previewValue(args[0])}`);
    return ((args[0] as unknown[] | undefined) ?? []).slice();
  };
  const entries: [string, unknown][] = [
    fn('collections.OrderedDict', (args) => fillMap(new Map(), args[0])),
    fn('builtins.set', toSet),
    fn('builtins.frozenset', toSet),
    fn('__builtin__.set', toSet),
    fn('__builtin__.frozenset', toSet),
    fn('_codecs.encode', encodeString),
    fn('torch.Size', tuple),
    fn('torch.device', device),
    ...['intlist', 'floatlist', 'boollist', 'tensorlist', 'doublelist'].map((k) => fn(`torch.jit._pickle.build_${k}`, first)),
    fn('torch.jit._pickle.restore_type_tag', first),
  ];
  return { ...Object.fromEntries(entries), ...torchPickleGlobals() };
}

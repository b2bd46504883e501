/**
 * A minimal, safe interpreter for Python pickles (protocols 0-5, the opcodes `torch.save`
 * and TorchScript use). Nothing is ever executed: GLOBAL resolves only against an
 * allow-list of values and TypeScript callables (see `pickle-globals.ts` for the list); any
 * other global is refused with an `UNSAFE_GLOBAL` {@link WeightFormatError}, unless its
 * module matches `recordClasses` or the caller chose `onUnknownGlobal: 'record'`, in which
 * case it becomes an inert {@link PickleRecord} (still never called).
 *
 * Python values map to: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
 * float -> number, str -> string, bytes -> Uint8Array (a view of the input), list and
 * tuple -> Array, dict and OrderedDict -> Map, set -> Set.
 *
 * Bounds: every length and memo index is checked against the bytes that remain before use;
 * integers are at most 1024 bytes, text lines 4096 bytes; the stack plus MARK depth is
 * bounded by `maxStackDepth`, the memo by `maxMemoEntries`; the interpreter is a loop (no
 * recursion). Every failure is a {@link WeightFormatError}.
 */
import { defaultPickleGlobals } from './pickle-globals';
import { PickleFunction, PickleGlobal, PickleRecord } from './pickle-values';
import { rewrapWeightError, WeightFormatError, type WeightFormatErrorCode } from './weight-format-error';

export { PickleFunction, PickleGlobal, PickleRecord } from './pickle-values';
export { defaultPickleGlobals } from './pickle-globals';

export interface PickleOptions {
  /**
   * What a global outside the allow-list (and outside `recordClasses`) does: `'error'`
   * (default, an `UNSAFE_GLOBAL` error) or `'record'` (an inert record; nothing is called).
   */
  onUnknownGlobal?: 'record' | 'error';
  /** Module prefixes (e.g. `'__torch__.'`) whose classes become inert records. */
  recordClasses?: readonly string[];
  /** Resolves BINPERSID / PERSID ids (torch storages). Without it, persistent ids are errors. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Extra allow-listed globals by `module.name` (values or {@link PickleFunction}s). */
  globals?: Readonly<Record<string, unknown>>;
  /** Maximum stack length plus MARK depth (default 1,000,000). */
  maxStackDepth?: number;
  /** Maximum number of memo entries (default 1,000,000). */
  maxMemoEntries?: number;
  /** File name (or label) used in error messages and as the errors' `file`. */
  fileName?: string;
  /** The pickle's name inside its container (e.g. `'archive/data.pkl'`), for messages. */
  member?: string;
}

/**
 * Python 2 `str` bytes (BINSTRING, SHORT_BINSTRING) as Latin-1, one code point per byte. Kept
 * by hand: TextDecoder('latin1') is windows-1252 by the WHATWG standard (browsers; Node 20 differs), which maps 0x80-0x9F
 * to other characters (0x80 -> U+20AC), where pickle's latin-1 keeps U+0080-U+009F.
 */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function positiveInt(v: number | undefined, fallback: number, name: string): number {
  const n = v ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`unpickle: ${name} must be a positive integer, got ${String(v)}`);
  return n;
}

const MAX_LINE = 4096;
const MAX_INT_BYTES = 1024;

/**
 * Unpickles `data` safely.
 *
 * @example
 * const root = unpickle(pklBytes, { persistentLoad: (pid) => storages.get(pid) });
 */
export function unpickle(data: Uint8Array, opts: PickleOptions = {}): unknown {
  if (!(data instanceof Uint8Array)) throw new TypeError(`unpickle: expected a Uint8Array, got ${typeof data}`);
  const allowed: Record<string, unknown> = { ...defaultPickleGlobals(), ...(opts.globals ?? {}) };
  const maxStack = positiveInt(opts.maxStackDepth, 1_000_000, 'maxStackDepth');
  const maxMemo = positiveInt(opts.maxMemoEntries, 1_000_000, 'maxMemoEntries');
  const recordClasses = opts.recordClasses ?? [];
  const label = opts.member === undefined ? 'pickle' : `pickle ${opts.member}`;
  const file = opts.fileName;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8');
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let opPos = 0;

  const fail = (code: WeightFormatErrorCode, msg: string): never => {
    throw new WeightFormatError(code, `${label}: ${msg} (opcode at byte ${opPos})`, { file });
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0) fail('BAD_PICKLE', `invalid length ${n}`);
    if (n > data.length - pos) fail('TRUNCATED', `needs ${n} bytes but only ${data.length - pos} remain (truncated or corrupt pickle)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => data[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(data.length - pos)) fail('TRUNCATED', `length ${v} exceeds the ${data.length - pos} bytes that remain`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    const at = need(n);
    return data.subarray(at, at + n);
  };
  const line = (): string => {
    const end = data.subarray(pos, pos + MAX_LINE + 1).indexOf(0x0a);
    if (end < 0) fail(pos + MAX_LINE + 1 > data.length ? 'TRUNCATED' : 'BAD_PICKLE', `unterminated text line (more than ${MAX_LINE} bytes or truncated)`);
    const s = latin1(data.subarray(pos, pos + end));
    pos += end + 1;
    return s;
  };
  const push = (v: unknown): void => {
    if (stack.length + metastack.length >= maxStack) fail('LIMIT', `stack depth exceeds maxStackDepth ${maxStack}`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('BAD_PICKLE', 'stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('BAD_PICKLE', 'stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) fail('BAD_PICKLE', 'no MARK on the stack');
    stack = prev!;
    return items;
  };
  const memoIndex = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail('BAD_PICKLE', `invalid memo index ${String(v)}`);
    return v as number;
  };
  const memoPut = (idx: number, v: unknown): void => {
    if (!memo.has(idx) && memo.size >= maxMemo) fail('LIMIT', `memo exceeds maxMemoEntries ${maxMemo}`);
    memo.set(idx, v);
  };
  const memoGet = (idx: number): unknown => {
    if (!memo.has(idx)) fail('BAD_PICKLE', `memo key ${idx} is not defined`);
    return memo.get(idx);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_INT_BYTES) fail('LIMIT', `integer of ${b.length} bytes is too long (limit ${MAX_INT_BYTES})`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textInt = (s: string): number | bigint | boolean => {
    const t = s.endsWith('L') ? s.slice(0, -1) : s;
    if (t === '00') return false;
    if (t === '01') return true;
    if (!/^[-+]?\d+$/.test(t)) fail('BAD_PICKLE', `bad integer literal ${JSON.stringify(s.slice(0, 40))}`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolveGlobal = (module: string, name: string): unknown => {
    const key = `${module}.${name}`;
    if (Object.prototype.hasOwnProperty.call(allowed, key)) return allowed[key];
    if (opts.onUnknownGlobal === 'record' || recordClasses.some((p) => key.startsWith(p))) return new PickleGlobal(module, name);
    return fail('UNSAFE_GLOBAL', `global '${key.slice(0, 200)}' is not on the allow-list (refused; nothing was executed)`);
  };
  const call = (callable: unknown, args: unknown, what: string): unknown => {
    if (!Array.isArray(args)) fail('BAD_PICKLE', `${what} arguments must be a tuple, got ${describe(args)}`);
    const a = args as unknown[];
    if (callable instanceof PickleFunction) {
      try {
        return callable.call(a);
      } catch (e) {
        throw rewrapWeightError(e, 'BAD_PICKLE', `${label}: ${callable.qualifiedName} (opcode at byte ${opPos})`, { file });
      }
    }
    if (callable instanceof PickleGlobal) return new PickleRecord(callable.qualifiedName, a);
    return fail('BAD_PICKLE', `${what} on a value that is not callable (${describe(callable)})`);
  };
  const persistent = (pid: unknown): unknown => {
    if (!opts.persistentLoad) fail('UNSUPPORTED', 'persistent id found but no persistentLoad was given');
    try {
      return opts.persistentLoad!(pid);
    } catch (e) {
      throw rewrapWeightError(e, 'BAD_PICKLE', `${label}: persistent id (opcode at byte ${opPos})`, { file });
    }
  };
  const setItems = (target: unknown, kv: unknown[]): void => {
    if (kv.length % 2 !== 0) fail('BAD_PICKLE', 'SETITEMS with an odd number of items');
    let map: Map<unknown, unknown> | undefined;
    if (target instanceof Map) map = target;
    else if (target instanceof PickleRecord) map = target.entries ??= new Map();
    else fail('BAD_PICKLE', `SETITEM on ${describe(target)}`);
    for (let i = 0; i < kv.length; i += 2) map!.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    let list: unknown[] | undefined;
    if (Array.isArray(target)) list = target;
    else if (target instanceof PickleRecord) list = target.items ??= [];
    else if (target instanceof Set) {
      for (const it of items) target.add(it);
      return;
    } else fail('BAD_PICKLE', `APPEND on ${describe(target)}`);
    for (const it of items) list!.push(it);
  };

  for (;;) {
    opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail('UNSUPPORTED', `pickle protocol ${v} (supported: 0-5)`);
        break;
      }
      case 0x95: u64(); break; // FRAME: frames are only a buffering hint
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length !== 0) fail('BAD_PICKLE', `STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        if (metastack.length + stack.length >= maxStack) fail('LIMIT', `stack depth exceeds maxStackDepth ${maxStack}`);
        metastack.push(stack);
        stack = [];
        break;
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push([]); break; // EMPTY_TUPLE
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(bytes(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = view.getInt32(need(4), true);
        if (n < 0) fail('BAD_PICKLE', `negative LONG4 length ${n}`);
        push(long(bytes(n)));
        break;
      }
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT
      case 0x49: push(textInt(line())); break; // INT
      case 0x4c: push(textInt(line())); break; // LONG
      case 0x46: { // FLOAT
        const s = line();
        const v = Number(s);
        if (s.trim() === '' || (Number.isNaN(v) && !/nan/i.test(s))) fail('BAD_PICKLE', `bad float literal ${JSON.stringify(s.slice(0, 40))}`);
        push(v);
        break;
      }
      case 0x58: push(utf8.decode(bytes(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8.decode(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8.decode(bytes(u64()))); break; // BINUNICODE8
      case 0x54: push(latin1(bytes(u32()))); break; // BINSTRING (py2 str)
      case 0x55: push(latin1(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x42: push(bytes(u32())); break; // BINBYTES
      case 0x43: push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x8e: push(bytes(u64())); break; // BINBYTES8
      case 0x96: push(bytes(u64()).slice()); break; // BYTEARRAY8
      case 0x71: memoPut(u8(), top()); break; // BINPUT
      case 0x72: memoPut(u32(), top()); break; // LONG_BINPUT
      case 0x70: memoPut(memoIndex(textInt(line())), top()); break; // PUT
      case 0x94: memoPut(memo.size, top()); break; // MEMOIZE
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: push(memoGet(memoIndex(textInt(line())))); break; // GET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x85: push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push([pop(), b, c]); break; } // TUPLE3
      case 0x74: { const items = popMark(); push(items); break; } // TUPLE
      case 0x6c: { const items = popMark(); push(items); break; } // LIST
      case 0x64: { const kv = popMark(); const m = new Map(); setItems(m, kv); push(m); break; } // DICT
      case 0x91: { const items = popMark(); push(new Set(items)); break; } // FROZENSET
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: case 0x90: { const items = popMark(); appendItems(top(), items); break; } // APPENDS, ADDITEMS
      case 0x63: { const module = line(); const name = line(); push(resolveGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('BAD_PICKLE', 'STACK_GLOBAL needs two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); const f = pop(); push(call(f, args, 'REDUCE')); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); push(call(cls, args, 'NEWOBJ')); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); push(call(cls, args, 'NEWOBJ_EX')); break; } // NEWOBJ_EX
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PickleRecord) obj.state = state;
        // Attributes set on dicts, tensors or parameters (e.g. state_dict._metadata) are dropped.
        break;
      }
      case 0x51: push(persistent(pop())); break; // BINPERSID
      case 0x50: push(persistent(line())); break; // PERSID
      default:
        fail('UNSUPPORTED', `unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleRecord) return `record ${v.__class__}`;
  if (v instanceof PickleFunction) return `function ${v.qualifiedName}`;
  if (v instanceof Map) return 'dict';
  if (Array.isArray(v)) return 'list/tuple';
  if (v instanceof Set) return 'set';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

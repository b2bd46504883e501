/**
 * Values the safe pickle interpreter produces besides JS primitives, arrays (lists and
 * tuples), Maps (dicts, OrderedDicts), Sets and Uint8Arrays (bytes).
 */

/**
 * A reference to a Python global (`module.name`) that is not on the allow-list.
 *
 * @example new PickleGlobal('numpy', 'float32').qualifiedName // 'numpy.float32'
 */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An allow-listed callable implemented in TypeScript (never executes pickled code).
 *
 * @example unpickle(bytes, { globals: { 'mymod.f': new PickleFunction('mymod.f', (args) => args[0]) } })
 */
export class PickleFunction {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/**
 * An instance of a class that is not on the allow-list: its class name, constructor
 * arguments and the state given to BUILD (for modules, a Map of attributes).
 * List or dict subclasses keep APPEND / SETITEM contents in `items` / `entries`.
 *
 * @example (unpickle(fooPickle) as PickleRecord).__class__ // 'mymod.Foo'
 */
export class PickleRecord {
  state: unknown = undefined;
  items?: unknown[];
  entries?: Map<unknown, unknown>;

  constructor(
    readonly __class__: string,
    readonly args: unknown[],
  ) {}
}

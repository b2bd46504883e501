import { composePromptSentences } from './compose';
import { AACLIP_PROMPT_SET, OFFICIAL_DATASETS } from './official-tables';
import type {
  ClassEntry,
  ClassInfo,
  ClassInput,
  DatasetDefinition,
  DatasetInput,
  Domain,
  PromptSentences,
  PromptSet,
  WarningHandler,
} from './types';
import { normalizeDomain, requireName, validateDataset, validatePromptSet } from './validate';
import { createConsoleWarner } from './warnings';
import { WINCLIP_PROMPT_SET } from './winclip-prompts';

/** Name of the prompt set used when none is given: the official AA-CLIP set. */
export const DEFAULT_PROMPT_SET = 'aaclip';

/** Options of the {@link PromptRegistry} constructor. */
export interface PromptRegistryOptions {
  /** Register the built-in prompt sets (`aaclip`, `winclip`) and the official datasets. Default true. */
  builtins?: boolean;
  /** Warning handler. Default: `console.warn` once per distinct warning ({@link createConsoleWarner}). */
  onWarning?: WarningHandler;
  /** Prompt set used when a call does not name one. Default {@link DEFAULT_PROMPT_SET}. */
  defaultPromptSet?: string;
}

/** Options of the `register*` methods. */
export interface RegisterOptions {
  /** Allow replacing an entry of the same name (it keeps its position in the listing order). */
  replace?: boolean;
}

/** Restricts a class lookup to one dataset (dataset names are case-insensitive). */
export interface LookupOptions {
  dataset?: string;
}

/** Options of {@link PromptRegistry.resolveClassName}. */
export interface ResolveOptions extends LookupOptions {
  /** Handler for this call only (not deduplicated unless wrapped with `onceWarner`). */
  onWarning?: WarningHandler;
  /** Throw instead of warning and falling back. Default false. */
  strict?: boolean;
}

/** Options of {@link PromptRegistry.domainOf}. */
export interface DomainOptions extends ResolveOptions {
  /** Domain returned (with a warning) for unknown names. Default `'industrial'`. */
  fallback?: Domain;
}

/** Options of {@link PromptRegistry.buildPromptSentences}. */
export interface BuildPromptOptions extends ResolveOptions {
  /** A registered prompt-set name or an inline prompt set. Default: the registry's default set. */
  promptSet?: string | PromptSet;
  /** Use this descriptive name instead of looking the class up. */
  realName?: string;
}

interface StoredDataset {
  readonly def: DatasetDefinition;
  readonly byName: ReadonlyMap<string, ClassEntry>;
}

const key = (name: string): string => name.toLowerCase();

/**
 * Prompt sets, datasets and class names, with lookup and sentence generation.
 *
 * Keys: prompt-set and dataset names are case-insensitive; class names are exact.
 * Listing order is registration order (built-ins first). Class lookup without a dataset checks
 * standalone classes ({@link registerClass}) first, then datasets in registration order; the
 * first match wins. Unknown classes fall back to the name itself, unchanged (the official code
 * has no fallback: it asserts the class is known and does no underscore replacement), with an
 * `unknown-class` warning.
 *
 * @example
 * const registry = new PromptRegistry();
 * registry.registerDataset({ name: 'gears', domain: 'industrial', classes: { spur: 'steel spur gear' } });
 * registry.buildPromptSentences('spur', { dataset: 'gears' }).normal[0]; // 'steel spur gear.'
 */
export class PromptRegistry {
  private readonly promptSets = new Map<string, PromptSet>();
  private readonly datasets = new Map<string, StoredDataset>();
  private readonly standalone = new Map<string, ClassInfo>();
  private readonly onWarning: WarningHandler;
  /** Prompt set used when a call does not name one. */
  readonly defaultPromptSet: string;

  constructor(options: PromptRegistryOptions = {}) {
    this.onWarning = options.onWarning ?? createConsoleWarner();
    this.defaultPromptSet = requireName(options.defaultPromptSet ?? DEFAULT_PROMPT_SET, 'PromptRegistry: defaultPromptSet');
    if (options.builtins ?? true) {
      this.registerPromptSet('aaclip', AACLIP_PROMPT_SET);
      this.registerPromptSet('winclip', WINCLIP_PROMPT_SET);
      for (const d of OFFICIAL_DATASETS) this.registerDataset(d);
    }
  }

  /**
   * Registers a prompt set under `name` after validation (non-empty lists, exactly one `{}` each).
   *
   * @example
   * registry.registerPromptSet('short', { normalStates: ['{}'], abnormalStates: ['broken {}'], templates: ['{}.'] });
   */
  registerPromptSet(name: string, set: PromptSet, options: RegisterOptions = {}): this {
    requireName(name, 'registerPromptSet: name');
    const k = key(name);
    if (this.promptSets.has(k) && !options.replace) {
      throw new Error(`registerPromptSet: prompt set "${name}" is already registered; pass { replace: true } to replace it`);
    }
    const valid = validatePromptSet(set, `registerPromptSet: prompt set "${name}"`);
    this.promptSets.set(k, Object.freeze({ ...valid, name }));
    return this;
  }

  /** True when a prompt set of that name (case-insensitive) is registered. */
  hasPromptSet(name: string): boolean {
    return typeof name === 'string' && this.promptSets.has(key(name));
  }

  /**
   * The prompt set registered under `name`; throws with the known names otherwise.
   *
   * @example
   * registry.getPromptSet('winclip').templates.length; // 22
   */
  getPromptSet(name: string): PromptSet {
    requireName(name, 'getPromptSet: name');
    const set = this.promptSets.get(key(name));
    if (!set) {
      throw new Error(`unknown prompt set "${name}"; registered: ${this.listPromptSets().map((n) => `"${n}"`).join(', ') || '(none)'}`);
    }
    return set;
  }

  /** Registered prompt-set names, in registration order. */
  listPromptSets(): string[] {
    return [...this.promptSets.values()].map((s) => s.name ?? '');
  }

  /**
   * Registers a dataset: name, domain and class table (`[{ name, realName }]` or `{ name: realName }`).
   *
   * @example
   * registry.registerDataset({ name: 'xray', domain: 'medical', classes: [{ name: 'chest', realName: 'chest x-ray' }] });
   */
  registerDataset(dataset: DatasetInput, options: RegisterOptions = {}): this {
    const def = validateDataset(dataset);
    const k = key(def.name);
    if (this.datasets.has(k) && !options.replace) {
      throw new Error(`registerDataset: dataset "${def.name}" is already registered; pass { replace: true } to replace it`);
    }
    this.datasets.set(k, { def, byName: new Map(def.classes.map((c) => [c.name, c])) });
    return this;
  }

  /** True when a dataset of that name (case-insensitive) is registered. */
  hasDataset(name: string): boolean {
    return typeof name === 'string' && this.datasets.has(key(name));
  }

  /**
   * The dataset registered under `name` (case-insensitive); throws with the known names otherwise.
   *
   * @example
   * registry.getDataset('mvtec').classes.length; // 15
   */
  getDataset(name: string): DatasetDefinition {
    return this.storedDataset(name, 'getDataset').def;
  }

  /** Registered dataset names (as spelled at registration), in registration order. */
  listDatasets(): string[] {
    return [...this.datasets.values()].map((d) => d.def.name);
  }

  /**
   * Registers a class outside any dataset. Standalone classes are looked up first when no
   * dataset is given, so this also overrides a dataset's entry for dataset-less lookups.
   *
   * @example
   * registry.registerClass({ name: 'gear', realName: 'spur gear', domain: 'industrial' });
   */
  registerClass(cls: ClassInput, options: RegisterOptions = {}): this {
    if (typeof cls !== 'object' || cls === null) {
      throw new TypeError(`registerClass: expected { name, realName, domain }, got ${cls === null ? 'null' : typeof cls}`);
    }
    const name = requireName(cls.name, 'registerClass: name');
    const realName = requireName(cls.realName, `registerClass: class "${name}" realName`);
    const domain = normalizeDomain(cls.domain, `registerClass: class "${name}" domain`);
    if (this.standalone.has(name) && !options.replace) {
      throw new Error(`registerClass: class "${name}" is already registered; pass { replace: true } to replace it`);
    }
    this.standalone.set(name, Object.freeze({ name, realName, domain }));
    return this;
  }

  /**
   * Classes of one dataset, or (without a dataset) standalone classes then every dataset's
   * classes, in lookup order.
   */
  listClasses(dataset?: string): ClassInfo[] {
    const stores = dataset === undefined ? [...this.datasets.values()] : [this.storedDataset(dataset, 'listClasses')];
    const fromDatasets = stores.flatMap(({ def }) =>
      def.classes.map((c) => ({ name: c.name, realName: c.realName, domain: def.domain, dataset: def.name })),
    );
    return dataset === undefined ? [...this.standalone.values(), ...fromDatasets] : fromDatasets;
  }

  /**
   * Looks a class up; `undefined` when unknown. Throws for an unknown `dataset`.
   *
   * @example
   * registry.lookupClass('bottle'); // { name: 'bottle', realName: 'dark bottle', domain: 'industrial', dataset: 'MVTec' }
   */
  lookupClass(name: string, options: LookupOptions = {}): ClassInfo | undefined {
    requireName(name, 'lookupClass: name');
    if (options.dataset !== undefined) {
      const { def, byName } = this.storedDataset(options.dataset, 'lookupClass');
      const c = byName.get(name);
      return c && { name: c.name, realName: c.realName, domain: def.domain, dataset: def.name };
    }
    const own = this.standalone.get(name);
    if (own) return own;
    for (const { def, byName } of this.datasets.values()) {
      const c = byName.get(name);
      if (c) return { name: c.name, realName: c.realName, domain: def.domain, dataset: def.name };
    }
    return undefined;
  }

  /**
   * The descriptive name of a class (e.g. `'bottle'` -> `'dark bottle'`). Unknown names are
   * returned unchanged with an `unknown-class` warning (or an error with `strict`).
   *
   * @example
   * registry.resolveClassName('metal_nut'); // 'metal nut which has four notched edges'
   * registry.resolveClassName('gear');      // 'gear' (and a warning)
   */
  resolveClassName(name: string, options: ResolveOptions = {}): string {
    const info = this.lookupClass(name, options);
    if (info) return info.realName;
    const dataset = options.dataset !== undefined ? this.getDataset(options.dataset).name : undefined;
    const where = dataset !== undefined ? ` in dataset "${dataset}"` : '';
    if (options.strict) {
      throw new Error(`resolveClassName: unknown class "${name}"${where}`);
    }
    (options.onWarning ?? this.onWarning)({
      code: 'unknown-class',
      name,
      ...(dataset !== undefined ? { dataset } : {}),
      message: `@aaclip/prompts: no real name registered for class "${name}"${where}; using "${name}" as is`,
    });
    return name;
  }

  /**
   * Domain of a dataset or class name. With `dataset`, that dataset's domain. Otherwise a dataset
   * name (case-insensitive) wins over a class name. Unknown names give `fallback`
   * (default `'industrial'`) with an `unknown-domain` warning, or an error with `strict`.
   *
   * @example
   * registry.domainOf('Brain'); // 'medical'
   * registry.domainOf('bottle'); // 'industrial'
   */
  domainOf(nameOrDataset: string, options: DomainOptions = {}): Domain {
    requireName(nameOrDataset, 'domainOf: name');
    if (options.dataset !== undefined) return this.getDataset(options.dataset).domain;
    const ds = this.datasets.get(key(nameOrDataset));
    if (ds) return ds.def.domain;
    const info = this.lookupClass(nameOrDataset);
    if (info) return info.domain;
    if (options.strict) throw new Error(`domainOf: "${nameOrDataset}" is neither a registered dataset nor a class`);
    const fallback = normalizeDomain(options.fallback ?? 'industrial', 'domainOf: fallback');
    (options.onWarning ?? this.onWarning)({
      code: 'unknown-domain',
      name: nameOrDataset,
      message: `@aaclip/prompts: "${nameOrDataset}" is neither a registered dataset nor a class; assuming domain "${fallback}"`,
    });
    return fallback;
  }

  /**
   * The normal and abnormal sentences of a class, state-major (see {@link composePromptSentences}).
   *
   * @example
   * registry.buildPromptSentences('bottle').abnormal[1]; // 'a photo of a damaged dark bottle.'
   * registry.buildPromptSentences('bottle', { promptSet: 'winclip' }).normal.length; // 154
   */
  buildPromptSentences(className: string, options: BuildPromptOptions = {}): PromptSentences {
    requireName(className, 'buildPromptSentences: className');
    const ps = options.promptSet ?? this.defaultPromptSet;
    const set = typeof ps === 'string' ? this.getPromptSet(ps) : validatePromptSet(ps, 'buildPromptSentences: options.promptSet');
    const realName =
      options.realName !== undefined
        ? requireName(options.realName, 'buildPromptSentences: options.realName')
        : this.resolveClassName(className, options);
    return composePromptSentences(realName, set);
  }

  private storedDataset(name: string, caller: string): StoredDataset {
    requireName(name, `${caller}: dataset`);
    const d = this.datasets.get(key(name));
    if (!d) {
      throw new Error(`${caller}: unknown dataset "${name}"; registered: ${this.listDatasets().map((n) => `"${n}"`).join(', ') || '(none)'}`);
    }
    return d;
  }
}

import type { BuildPromptOptions, DomainOptions, ResolveOptions } from './registry';
import { PromptRegistry } from './registry';
import type { Domain, PromptSentences } from './types';

/** Adds the registry to use (default: a shared, built-ins-only registry). */
export interface WithRegistry {
  registry?: PromptRegistry;
}

let builtin: PromptRegistry | undefined;

/** The shared built-in registry, created on first use. It is not exported, so it cannot be mutated. */
function registryOf(options: WithRegistry): PromptRegistry {
  if (options.registry !== undefined) {
    if (!(options.registry instanceof PromptRegistry)) {
      throw new TypeError('options.registry must be a PromptRegistry instance');
    }
    return options.registry;
  }
  builtin ??= new PromptRegistry();
  return builtin;
}

/**
 * The normal and abnormal sentences of a class with the selected prompt set (default: the
 * official AA-CLIP set). The class is resolved to its real name first (`bottle` -> `dark bottle`).
 *
 * Order is **state-major**: for each state `s`, for each template `t`:
 * `t.replace('{}', s.replace('{}', realName))`.
 *
 * @example
 * buildPromptSentences('bottle').normal;
 * // ['dark bottle.', 'a photo of dark bottle.', 'a dark bottle.', 'a photo of a dark bottle.',
 * //  'the dark bottle.', 'a photo of the dark bottle.']
 */
export function buildPromptSentences(
  className: string,
  opts: BuildPromptOptions & WithRegistry = {},
): PromptSentences {
  return registryOf(opts).buildPromptSentences(className, opts);
}

/**
 * The real (descriptive) name of a class from the built-in or given registry; unknown names come
 * back unchanged with a warning (`console.warn` once per name unless `onWarning` is given).
 *
 * @example
 * resolveClassName('pcb3', { dataset: 'visa' }); // 'infrared sensor pcb module'
 */
export function resolveClassName(name: string, opts: ResolveOptions & WithRegistry = {}): string {
  return registryOf(opts).resolveClassName(name, opts);
}

/**
 * `'industrial'` or `'medical'` for a dataset or class name.
 *
 * @example
 * domainOf('Colon_Kvasir'); // 'medical'
 * domainOf('screw');        // 'industrial'
 */
export function domainOf(nameOrDataset: string, opts: DomainOptions & WithRegistry = {}): Domain {
  return registryOf(opts).domainOf(nameOrDataset, opts);
}

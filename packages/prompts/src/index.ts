/**
 * @aaclip/prompts: normal/anomaly prompt sets and class-name tables for AA-CLIP.
 * Pure data and pure functions; no Node or DOM APIs.
 */
export const VERSION = '0.1.0';

export type {
  ClassEntry,
  ClassInfo,
  ClassInput,
  DatasetDefinition,
  DatasetInput,
  Domain,
  PromptSentences,
  PromptSet,
  PromptWarning,
  WarningHandler,
} from './types';
export { AACLIP_PROMPT_SET, OFFICIAL_DATASETS } from './official-tables';
export { WINCLIP_PROMPT_SET } from './winclip-prompts';
export { PLACEHOLDER, countPlaceholders, normalizeDomain, validateDataset, validatePromptSet } from './validate';
export { composePromptSentences, fillPlaceholder } from './compose';
export { createConsoleWarner, onceWarner } from './warnings';
export { DEFAULT_PROMPT_SET, PromptRegistry } from './registry';
export type {
  BuildPromptOptions,
  DomainOptions,
  LookupOptions,
  PromptRegistryOptions,
  RegisterOptions,
  ResolveOptions,
} from './registry';
export { buildPromptSentences, domainOf, resolveClassName } from './api';
export type { WithRegistry } from './api';

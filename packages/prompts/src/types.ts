/** Imaging domain of a dataset or class; it selects e.g. the official test-time blur. */
export type Domain = 'industrial' | 'medical';

/**
 * A prompt set: state phrases and sentence templates, each holding exactly one `{}`.
 *
 * Sentences are generated state-major: for each state `s` (in order), for each template `t`
 * (in order): `t` with its `{}` replaced by (`s` with its `{}` replaced by the real name).
 */
export interface PromptSet {
  /** Identifier of the set (informational; a registry keys sets by the name they were registered under). */
  readonly name?: string;
  /** States of a normal object, e.g. `'{}'`, `'a {}'`, `'flawless {}'`. */
  readonly normalStates: readonly string[];
  /** States of an anomalous object, e.g. `'a damaged {}'`, `'{} with flaw'`. */
  readonly abnormalStates: readonly string[];
  /** Sentence templates, e.g. `'a photo of {}.'`. */
  readonly templates: readonly string[];
}

/** The sentences of one class, in generation order (state-major). */
export interface PromptSentences {
  normal: string[];
  abnormal: string[];
}

/** One class of a dataset: its dataset key and the descriptive name used in prompts. */
export interface ClassEntry {
  /** Class key as used by the dataset folders, e.g. `'metal_nut'`. */
  readonly name: string;
  /** Descriptive name substituted into prompts, e.g. `'metal nut which has four notched edges'`. */
  readonly realName: string;
}

/** A dataset: name, domain and ordered class table. */
export interface DatasetDefinition {
  readonly name: string;
  readonly domain: Domain;
  readonly classes: readonly ClassEntry[];
}

/** Input form of {@link DatasetDefinition}: classes may also be a `{ name: realName }` record (insertion order kept). */
export interface DatasetInput {
  readonly name: string;
  readonly domain: Domain;
  readonly classes: readonly ClassEntry[] | Readonly<Record<string, string>>;
}

/** A standalone class registration (not tied to a dataset). */
export interface ClassInput {
  readonly name: string;
  readonly realName: string;
  readonly domain: Domain;
}

/** The result of a class lookup. `dataset` is absent for standalone classes. */
export interface ClassInfo {
  readonly name: string;
  readonly realName: string;
  readonly domain: Domain;
  readonly dataset?: string;
}

/** Non-fatal problem reported through a {@link WarningHandler}. */
export interface PromptWarning {
  /** `unknown-class`: no real name known, the name itself is used. `unknown-domain`: the fallback domain is used. */
  readonly code: 'unknown-class' | 'unknown-domain';
  /** The name that was looked up. */
  readonly name: string;
  /** The dataset the lookup was restricted to, if any. */
  readonly dataset?: string;
  /** Human-readable message. */
  readonly message: string;
}

/** Receives warnings; see {@link onceWarner} to deduplicate. */
export type WarningHandler = (warning: PromptWarning) => void;

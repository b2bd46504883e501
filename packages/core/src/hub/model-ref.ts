// Model references: where a model, adapter or tokenizer file comes from. One string form is
// accepted everywhere a path is: a local path, an http(s):// URL, `hf:owner/name[@revision][/file]`
// (a Hugging Face Hub repository), or a short alias of a CLIP repository. Pure: parsing only.

/** Aliases of CLIP repositories on the Hugging Face Hub (open_clip names and OpenAI's `clip.load` names). */
export const CLIP_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'ViT-B-32': 'openai/clip-vit-base-patch32',
  'ViT-B-16': 'openai/clip-vit-base-patch16',
  'ViT-L-14': 'openai/clip-vit-large-patch14',
  'ViT-L-14-336': 'openai/clip-vit-large-patch14-336',
  'ViT-B/32': 'openai/clip-vit-base-patch32',
  'ViT-B/16': 'openai/clip-vit-base-patch16',
  'ViT-L/14': 'openai/clip-vit-large-patch14',
  'ViT-L/14@336px': 'openai/clip-vit-large-patch14-336',
});

/** The default revision of a Hub repository. */
export const DEFAULT_HUB_REVISION = 'main';

/** A Hub repository reference (`hf:owner/name[@revision][/file]` or an alias). */
export interface HubModelRef {
  kind: 'hf';
  /** `owner/name` */
  repo: string;
  /** Branch, tag or commit; `main` when not given. */
  revision: string;
  /** A file inside the repository (may contain `/`); absent: the SDK picks the files. */
  file?: string;
  /** The alias it came from, if any. */
  alias?: string;
  /** The reference as written. */
  source: string;
}

/** A parsed model reference. */
export type ModelRef = { kind: 'local'; path: string; source: string } | { kind: 'url'; url: string; source: string } | HubModelRef;

/** The accepted forms, for error messages. */
export const MODEL_REF_FORMS =
  'a local path (./clip.safetensors), an http(s):// URL, hf:owner/name, hf:owner/name@revision, hf:owner/name/file, ' +
  `hf:owner/name@revision/file, or an alias (${Object.keys(CLIP_ALIASES).filter((a) => !a.includes('/')).join(', ')})`;

/** A malformed model reference; the message shows the accepted forms. */
export class ModelRefError extends Error {
  constructor(
    readonly reference: string,
    reason: string,
  ) {
    super(`invalid model reference ${JSON.stringify(reference)}: ${reason}. Accepted forms: ${MODEL_REF_FORMS}`);
    this.name = 'ModelRefError';
  }
}

/** Hub repository and owner names: letters, digits, `-`, `_`, `.`; no `--` or `..`; at most 96 characters (huggingface_hub's rule). */
const NAME = /^[A-Za-z0-9_.-]{1,96}$/;

function checkName(part: string, what: string, source: string): void {
  if (!part) throw new ModelRefError(source, `the ${what} is empty`);
  if (!NAME.test(part) || part.includes('--') || part.includes('..') || /^[-.]|[-.]$/.test(part)) {
    throw new ModelRefError(source, `the ${what} "${part}" may hold only letters, digits, "-", "_" and "." (no "--" or "..", not at either end)`);
  }
}

/** A 40-hex git commit hash. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** True for `hf:` references and aliases (references resolved through the Hub). */
export function isHubReference(ref: string): boolean {
  return typeof ref === 'string' && (ref.startsWith('hf:') || Object.prototype.hasOwnProperty.call(CLIP_ALIASES, ref));
}

/**
 * Parses `hf:owner/name[@revision][/file]`. A revision may be `refs/pr/N` (pull requests) and is
 * otherwise one path segment; everything after it is the file.
 */
export function parseHubReference(source: string): HubModelRef {
  if (Object.prototype.hasOwnProperty.call(CLIP_ALIASES, source)) {
    return { kind: 'hf', repo: CLIP_ALIASES[source]!, revision: DEFAULT_HUB_REVISION, alias: source, source };
  }
  if (!source.startsWith('hf:')) throw new ModelRefError(source, 'a Hub reference starts with "hf:"');
  const body = source.slice(3);
  if (!body) throw new ModelRefError(source, 'nothing after "hf:"');
  if (/\s/.test(body)) throw new ModelRefError(source, 'it contains white space');
  if (body.startsWith('/')) throw new ModelRefError(source, 'the owner before "/" is empty');
  const slash = body.indexOf('/');
  if (slash < 0) throw new ModelRefError(source, 'a repository is owner/name');
  const owner = body.slice(0, slash);
  const rest = body.slice(slash + 1);
  let name: string;
  let revision: string | undefined;
  let file: string | undefined;
  const at = rest.indexOf('@');
  const firstSlash = rest.indexOf('/');
  if (at >= 0 && (firstSlash < 0 || at < firstSlash)) {
    // owner/name@revision[/file]
    name = rest.slice(0, at);
    const afterAt = rest.slice(at + 1);
    const segs = afterAt.split('/');
    if (segs[0] === 'refs' && segs[1] === 'pr' && segs.length >= 3) {
      revision = segs.slice(0, 3).join('/');
      file = segs.slice(3).join('/') || undefined;
      if (!/^\d+$/.test(segs[2]!)) throw new ModelRefError(source, `the pull-request revision "${revision}" needs a number`);
    } else {
      revision = segs[0]!;
      file = segs.length > 1 ? segs.slice(1).join('/') : undefined;
    }
    if (!revision) throw new ModelRefError(source, 'the revision after "@" is empty');
    if (revision.includes('..')) throw new ModelRefError(source, `the revision "${revision}" contains ".."`);
    if (afterAt.endsWith('/') && file === undefined) throw new ModelRefError(source, 'the file after the revision is empty');
  } else {
    name = firstSlash < 0 ? rest : rest.slice(0, firstSlash);
    if (firstSlash >= 0) {
      file = rest.slice(firstSlash + 1);
      if (!file) throw new ModelRefError(source, 'the file after "owner/name/" is empty');
    }
  }
  checkName(owner, 'owner', source);
  checkName(name, 'repository name', source);
  if (file !== undefined) {
    const parts = file.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new ModelRefError(source, `the file "${file}" has an empty, "." or ".." path segment`);
  }
  return { kind: 'hf', repo: `${owner}/${name}`, revision: revision ?? DEFAULT_HUB_REVISION, ...(file !== undefined ? { file } : {}), source };
}

/**
 * Parses any model reference. Strings that are neither `hf:`, an alias nor a URL are local
 * paths (`file://` URLs too). Whether a local file of an alias's name exists is the caller's
 * question (Node checks it first).
 *
 * @example parseModelRef('hf:openai/clip-vit-base-patch16@main/model.safetensors')
 */
export function parseModelRef(source: string): ModelRef {
  if (typeof source !== 'string' || source.trim() === '') throw new ModelRefError(String(source), 'it is empty');
  if (isHubReference(source)) return parseHubReference(source);
  if (/^https?:\/\//i.test(source)) {
    try {
      return { kind: 'url', url: new URL(source).href, source };
    } catch {
      throw new ModelRefError(source, 'it is not a valid URL');
    }
  }
  if (/^file:\/\//i.test(source)) return { kind: 'local', path: decodeURIComponent(new URL(source).pathname), source };
  if (/^hf:/i.test(source)) throw new ModelRefError(source, 'a Hub reference starts with lower-case "hf:"');
  return { kind: 'local', path: source, source };
}

/** The reference back as a string (`hf:owner/name@revision/file`). */
export function formatHubReference(ref: Pick<HubModelRef, 'repo' | 'revision' | 'file'>): string {
  return `hf:${ref.repo}${ref.revision !== DEFAULT_HUB_REVISION ? `@${ref.revision}` : ''}${ref.file ? `/${ref.file}` : ''}`;
}

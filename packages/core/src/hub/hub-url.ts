// URLs of the Hugging Face Hub's HTTP API, as huggingface_hub builds them. Pure.
import { type HubModelRef } from './model-ref';

/** The public Hub; `HF_ENDPOINT` (a mirror) replaces it. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Path segments escaped one by one (a file path keeps its `/`). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function base(endpoint: string | undefined): string {
  return (endpoint || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/**
 * `{endpoint}/{owner}/{name}/resolve/{revision}/{file}`: the file at a revision (the revision is
 * escaped whole, so `refs/pr/1` becomes `refs%2Fpr%2F1`).
 *
 * @example hubFileUrl('openai/clip-vit-base-patch16', 'main', 'model.safetensors')
 */
export function hubFileUrl(repo: string, revision: string, file: string, endpoint?: string): string {
  return `${base(endpoint)}/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

/** `{endpoint}/api/models/{owner}/{name}/revision/{revision}`: the commit and file list of a revision. */
export function hubRevisionApiUrl(repo: string, revision: string, endpoint?: string): string {
  return `${base(endpoint)}/api/models/${encodePath(repo)}/revision/${encodeURIComponent(revision)}`;
}

/**
 * The Hub reference a `resolve` URL points to, or null: lets an https:// URL of a Hub file be
 * cached like its `hf:` reference.
 */
export function hubRefFromUrl(url: string, endpoint?: string): Pick<HubModelRef, 'repo' | 'revision' | 'file'> | null {
  const prefix = `${base(endpoint)}/`;
  if (!url.startsWith(prefix)) return null;
  const m = /^([^/?#]+)\/([^/?#]+)\/resolve\/([^/?#]+)\/([^?#]+)$/.exec(url.slice(prefix.length));
  if (!m) return null;
  try {
    return { repo: `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`, revision: decodeURIComponent(m[3]!), file: m[4]!.split('/').map(decodeURIComponent).join('/') };
  } catch {
    return null;
  }
}

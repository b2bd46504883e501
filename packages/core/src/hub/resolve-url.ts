// A model reference as the URL a browser fetches (Cache Storage keeps it by that URL). Pure.
import { defaultHubFile, type HubFileRole } from './hub-files';
import { hubFileUrl } from './hub-url';
import { isHubReference, parseHubReference } from './model-ref';

/**
 * The URL of a reference: `hf:` references and aliases become the Hub's `resolve` URL of their
 * file (the role's default file when none is named: model.safetensors, tokenizer.json,
 * adapters.safetensors); anything else (URLs, paths, '') is returned as given.
 *
 * @example resolveReferenceUrl('ViT-B-16') // 'https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors'
 */
export function resolveReferenceUrl(ref: string, role: HubFileRole = 'model', endpoint?: string): string {
  if (typeof ref !== 'string' || !isHubReference(ref)) return ref;
  const r = parseHubReference(ref);
  return hubFileUrl(r.repo, r.revision, r.file ?? defaultHubFile(role), endpoint);
}

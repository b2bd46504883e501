// Why a browser fetch of another origin failed, in words: a failed cross-origin fetch only says
// "Failed to fetch" (TypeError), whatever the cause (CORS, network, blocked mixed content).

/** The page's origin, or null outside a page (workers without location, Node). */
function pageOrigin(): string | null {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  return typeof loc?.origin === 'string' && loc.origin !== 'null' ? loc.origin : null;
}

/**
 * A sentence explaining a failed fetch of `url` when it is on another origin than the page
 * (empty otherwise), to append to the error.
 *
 * @example crossOriginHint('https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors')
 */
export function crossOriginHint(url: string): string {
  const origin = pageOrigin();
  if (!origin) return '';
  let target: URL;
  try {
    target = new URL(url, origin);
  } catch {
    return '';
  }
  if (target.origin === origin) return '';
  const mixed = origin.startsWith('https:') && target.protocol === 'http:' ? ' It is also plain http on an https page, which browsers block (mixed content).' : '';
  return (
    ` ${target.origin} is another origin than this page (${origin}): the browser lets the page read it only if that server answers with` +
    ' Access-Control-Allow-Origin (CORS). huggingface.co does for public files; a mirror, a private or gated repository (a token cannot be' +
    ' sent from a page safely) or your own server may not. Serve the file from this page\'s origin, or enable CORS on that server.' +
    mixed
  );
}

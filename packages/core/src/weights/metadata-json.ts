/**
 * A JSON value stored in a weight file's string metadata (safetensors `__metadata__`):
 * undefined when `key` is absent; an error naming the file (`where`) and the key when it is not
 * valid JSON.
 */
export function parseMetadataJson<T>(meta: Record<string, string>, key: string, where: string): T | undefined {
  const s = meta[key];
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch (e) {
    throw new Error(`${where}: metadata "${key}" is not valid JSON (${(e as Error).message})`);
  }
}

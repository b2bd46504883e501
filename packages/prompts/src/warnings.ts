import type { PromptWarning, WarningHandler } from './types';

type WarnFn = (message: string) => void;

/** `console.warn` when the host has one (no Node or DOM typing needed), else a no-op. */
function consoleWarn(message: string): void {
  const c = (globalThis as { console?: { warn?: (...args: unknown[]) => void } }).console;
  c?.warn?.(message);
}

/** Deduplication key of a warning: code, dataset and name. */
export function warningKey(w: PromptWarning): string {
  return `${w.code}\u0000${w.dataset ?? ''}\u0000${w.name}`;
}

/**
 * Wraps a handler so that it sees each distinct warning (same code, dataset and name) only once.
 * The returned handler keeps its own memory; create one per scope you want deduplicated.
 *
 * @example
 * const warn = onceWarner((w) => log.push(w.message));
 * registry.resolveClassName('gear', { onWarning: warn }); // logged
 * registry.resolveClassName('gear', { onWarning: warn }); // not logged again
 */
export function onceWarner(handler: WarningHandler): WarningHandler {
  const seen = new Set<string>();
  return (w) => {
    const key = warningKey(w);
    if (seen.has(key)) return;
    seen.add(key);
    handler(w);
  };
}

/**
 * The default handler: `console.warn(message)` once per distinct warning (per handler instance).
 *
 * @example
 * const registry = new PromptRegistry({ onWarning: createConsoleWarner() });
 */
export function createConsoleWarner(warn: WarnFn = consoleWarn): WarningHandler {
  return onceWarner((w) => warn(w.message));
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A built worker script (`dist/NAME.js`): next to the bundle that runs this code, or in dist/
 * when running from src/. `who` names the caller in the error.
 */
export function builtWorkerScript(name: string, who: string): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, `${name}.js`), join(here, '..', 'dist', `${name}.js`)]; // dist/, or src/ -> ../dist
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`${who}: worker script not found (looked for ${candidates.join(', ')}; build @aaclip/backend-node first)`);
  return found;
}

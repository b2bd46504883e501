import { closeSync, existsSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInputFileSync } from './input-file';

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

function isSafetensors(path: string): boolean {
  try {
    const { fd } = openInputFileSync(path, { what: 'weights' }); // a FIFO would block openSync forever
    try {
      const b = new Uint8Array(9);
      const n = readSync(fd, b, 0, 9, 0);
      return n === 9 && b[8] === 0x7b && !(b[0] === 0x50 && b[1] === 0x4b);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the workers report the real error
  }
}

/**
 * Starts workers 0..n-1 that each load `weightsFile` (or random weights when undefined): side
 * by side when the file is streamed (.safetensors: each worker holds only its own tensors),
 * one at a time otherwise (a .pt file is read whole, so at most one file copy is alive).
 */
export async function startWorkers(n: number, start: (index: number) => Promise<unknown>, weightsFile: string | undefined): Promise<void> {
  if (weightsFile === undefined || isSafetensors(weightsFile)) await Promise.all(Array.from({ length: n }, (_, i) => start(i)));
  else for (let i = 0; i < n; i++) await start(i);
}

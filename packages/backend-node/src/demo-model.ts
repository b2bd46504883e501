import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The path of the demo model shipped in this package (`models/demo.safetensors`, 5.2 MiB): a
 * small CLIP-shaped network with analytic towers and trained AA-CLIP adapters, for trying the
 * SDK offline (`createDetector({ model: demoModelPath() })`). It is not CLIP: real images need
 * real weights. Resolved relative to this module, so it works from the ESM and CJS builds and
 * from the sources; the same file is exported as `@aaclip/backend-node/models/demo`.
 *
 * @example
 * import { createDetector, demoModelPath } from '@aaclip/backend-node';
 * const detector = await createDetector({ model: demoModelPath() });
 */
export function demoModelPath(): string {
  // dist/index.{js,cjs} and src/demo-model.ts both sit one folder below the package root
  const path = fileURLToPath(new URL('../models/demo.safetensors', import.meta.url));
  if (!existsSync(path)) throw new Error(`the demo model is missing from this installation of @aaclip/backend-node (looked for ${path})`);
  return path;
}

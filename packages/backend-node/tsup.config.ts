import { defineConfig } from 'tsup';

const shared = {
  clean: false,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // ./register-gradients.js: built once below, loaded by ensureGradients from every output
  external: [/^@tensorflow\//, /^@aaclip\//, 'sharp', 'webgpu', './register-gradients.js'],
} as const;

export default defineConfig([
  // the library: ESM + CJS + types
  // (shims: import.meta.url in the CJS build, used to find the backend and the pool's worker script)
  // (./tools: the pieces the aaclip CLI of @aaclip/cli and servers share)
  { ...shared, entry: ['src/index.ts', 'src/tools.ts'], format: ['esm', 'cjs'], dts: { entry: ['src/index.ts', 'src/tools.ts'] }, clean: true, shims: true },
  // the DetectorPool worker thread: its own file, dist/pool-worker.js
  { ...shared, entry: { 'pool-worker': 'src/pool/worker.ts', 'train-worker': 'src/train-pool/worker.ts' }, format: ['esm'] },
  // tfjs-core's gradient registration, bundled (Node cannot import its extensionless per-file ESM)
  { ...shared, entry: ['src/register-gradients.ts'], format: ['esm'], sourcemap: false, noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients/] },
]);

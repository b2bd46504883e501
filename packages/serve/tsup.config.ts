import { defineConfig } from 'tsup';

// ESM only: the server and its CLI verb run on Node (Fastify is ESM + CJS, tfjs is external)
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  external: [/^@tensorflow\//, /^@aaclip\//, 'sharp'],
});

import { defineConfig } from 'tsup';

const shared = {
  clean: false,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  external: [/^@tensorflow\//, /^@aaclip\//, 'sharp', 'csv-parse'],
  format: ['esm'],
} as const;

export default defineConfig([
  // the library (dataset readers, evaluation, reports): ESM + types
  { ...shared, entry: ['src/index.ts'], dts: { entry: ['src/index.ts'] }, clean: true },
  // the command-line programs
  { ...shared, entry: ['src/cli.ts', 'src/parity-cli.ts'], banner: { js: '#!/usr/bin/env node' } },
]);

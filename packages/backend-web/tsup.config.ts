import { defineConfig } from 'tsup';

// Browser ESM: `index` plus the side-effect entry `register` (shared code goes to a chunk, so
// both see the same backend state). tfjs and @aaclip/* stay external: the app's bundler
// dedupes them.
export default defineConfig({
  entry: ['src/index.ts', 'src/register.ts'],
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  external: [/^@tensorflow\//, /^@aaclip\//],
});

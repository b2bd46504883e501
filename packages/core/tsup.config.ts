import { defineConfig } from 'tsup';

export default defineConfig({
  // the inference surface and the subpaths /train, /metrics, /weights, /parity
  entry: ['src/index.ts', 'src/train.ts', 'src/metrics.ts', 'src/weights.ts', 'src/parity.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // shared code in chunks for CJS too: one copy of the model's module state (matmul provider,
  // attention mode, fused-kernel flag) whichever entries an app loads
  splitting: true,
  target: 'es2022',
  external: [/^@tensorflow\//, /^@aaclip\//],
});

import { defineConfig } from 'tsup';

const shared = {
  sourcemap: true,
  target: 'es2022',
  external: [/^@tensorflow\//, /^@aaclip\//],
} as const;

export default defineConfig([
  // the engine (pure: no Node or DOM APIs) and the tfjs-wasm matmul provider: ESM + CJS + types
  // (+ the fused tfjs kernels: tfjs, tfjs-cpu, tfjs-wasm, tfjs-webgpu register them on import)
  { ...shared, entry: ['src/index.ts', 'src/tfjs.ts', 'src/tfjs-cpu.ts', 'src/tfjs-wasm.ts', 'src/tfjs-webgpu.ts'], format: ['esm', 'cjs'], dts: true, clean: true },
  // the thread runtimes: Node (worker_threads) and browsers (Workers), each with its worker script
  {
    ...shared,
    entry: { node: 'src/node.ts', web: 'src/web.ts', 'node-worker': 'src/node-worker.ts', 'web-worker': 'src/web-worker.ts' },
    format: ['esm'],
    dts: { entry: { node: 'src/node.ts', web: 'src/web.ts' } },
    clean: false,
  },
]);

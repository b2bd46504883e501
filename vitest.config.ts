import { defineConfig } from 'vitest/config';

// Tests whose name ends in `.backend.test.ts` run once per backend this machine has
// (cpu and wasm here; the browser suite covers webgpu/webgl). Everything else runs once.
const backends = (process.env.AACLIP_TEST_BACKENDS ?? 'cpu,wasm').split(',').filter(Boolean);

export default defineConfig({
  test: {
    pool: 'forks',
    // two test files at a time on this 2-core machine (vitest's default, cores - 1, ran one at a
    // time: 869 s); most files are single-threaded JS or wait on a browser
    maxWorkers: 2,
    minWorkers: 1,
    // tests that measure memory call global.gc() before reading RSS; expose it in the workers
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    // sized for a machine 3x slower than a quiet one (CI shares its 2 cores): the slowest unit
    // test takes ~80 s on the cpu backend under a load of 6; a timeout here only catches hangs
    testTimeout: 300_000,
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test-utils/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.backend.test.ts', '**/node_modules/**'],
          setupFiles: ['test-utils/setup-backend.ts'],
          env: { AACLIP_TEST_BACKEND: 'cpu' },
        },
      },
      ...backends.map((backend) => ({
        extends: true,
        test: {
          name: backend,
          include: ['packages/*/src/**/*.backend.test.ts'],
          setupFiles: ['test-utils/setup-backend.ts'],
          env: { AACLIP_TEST_BACKEND: backend },
        },
      })),
    ],
  },
});

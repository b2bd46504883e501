// The side-effect entries as a consumer gets them (the kernels' build): each registers its
// backend's fused kernels when imported, and a bundler keeps that registration (package.json
// sideEffects). `npx tsup` in packages/core and packages/kernels first.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNEL_NAMES, setInferenceWeightPacker } from '@aaclip/core';
import { unregisterFusedKernels, wasmSimdSupported } from '@aaclip/kernels/tfjs';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../../test-utils/fixtures';

const registered = (backend: string) => FUSED_KERNEL_NAMES.filter((n) => tf.getKernel(n, backend) !== undefined);

describe('@aaclip/kernels/tfjs-* entries', () => {
  it.each(['cpu', 'wasm', 'webgpu'] as const)('tfjs-%s registers its backend\'s fused kernels on import', async (backend) => {
    unregisterFusedKernels(backend);
    expect(registered(backend)).toEqual([]);
    const prev = setInferenceWeightPacker(null);
    if (backend === 'cpu') await import('@aaclip/kernels/tfjs-cpu');
    else if (backend === 'wasm') await import('@aaclip/kernels/tfjs-wasm');
    else await import('@aaclip/kernels/tfjs-webgpu');
    const expected = backend === 'wasm' && !wasmSimdSupported() ? ['AAClipHeadSlice'] : [...FUSED_KERNEL_NAMES];
    expect(registered(backend)).toEqual(expected);
    // only the wasm entry plugs in the inference-weight packer
    expect(setInferenceWeightPacker(prev) !== null).toBe(backend === 'wasm');
    expect(registered('webgl')).toEqual([]);
  });

  it.each(['tfjs', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-webgpu'])('a bundler keeps the registration of @aaclip/kernels/%s', async (entry) => {
    const warnings: string[] = [];
    const result = (await build({
      configFile: false,
      logLevel: 'silent',
      root: repoRoot,
      plugins: [
        {
          name: 'entry',
          resolveId: (id) => (id === 'virtual:entry' ? '\0entry' : null),
          load: (id) => (id === '\0entry' ? `import '@aaclip/kernels/${entry}';` : null),
        },
      ],
      build: {
        write: false,
        minify: false,
        rollupOptions: { input: 'virtual:entry', external: [/^@tensorflow\//], onwarn: (w) => void warnings.push(w.message) },
      },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[];
    const code = (Array.isArray(result) ? result : [result]).flatMap((o) => o.output).map((c) => ('code' in c ? c.code : '')).join('\n');
    const calls = code.match(/^register(Cpu|Wasm|Webgpu)Kernels\(\);$/gm) ?? [];
    expect(calls.sort()).toEqual(entry === 'tfjs' ? ['registerCpuKernels();', 'registerWasmKernels();', 'registerWebgpuKernels();'] : [`register${entry === 'tfjs-cpu' ? 'Cpu' : entry === 'tfjs-wasm' ? 'Wasm' : 'Webgpu'}Kernels();`]);
    expect(code).toMatch(/["']AAClipLayerNorm["']/); // core's kernel names, bundled in
    expect(warnings.filter((w) => /side effect/i.test(w))).toEqual([]);
  }, 120_000);
});

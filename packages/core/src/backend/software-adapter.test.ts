import { describe, expect, it } from 'vitest';
import { describeGpuAdapter, isSoftwareAdapter, softwareAdapterReason, type GpuAdapterLike } from './software-adapter';

describe('softwareAdapterReason', () => {
  it("flags Chromium's SwiftShader adapter by its fallback flag (as Chromium 156 reports it)", () => {
    // navigator.gpu.requestAdapter() in Chromium 156 with --use-webgpu-adapter=swiftshader
    const chromium = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true } };
    expect(softwareAdapterReason(chromium)).toBe('reported as a fallback adapter');
    expect(describeGpuAdapter(chromium)).toBe('google swiftshader');
    expect(isSoftwareAdapter(chromium)).toBe(true);
  });

  it('flags software drivers by name when no fallback flag is set', () => {
    const cases: [GpuAdapterLike, string][] = [
      [{ info: { vendor: 'google', architecture: 'swiftshader' } }, 'its name contains "swiftshader"'],
      [{ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }, 'its name contains "llvmpipe"'],
      [{ info: { vendor: 'mesa', device: 'Lavapipe' } }, 'its name contains "Lavapipe"'],
      [{ info: { vendor: 'microsoft', description: 'Microsoft Basic Render Driver' } }, 'its name contains "Basic Render Driver"'],
      [{ info: { description: 'Software Rasterizer', isFallbackAdapter: false } }, 'its name contains "Software"'],
    ];
    for (const [adapter, reason] of cases) expect(softwareAdapterReason(adapter)).toBe(reason);
  });

  it('uses the deprecated adapter.isFallbackAdapter only where the info does not carry the flag', () => {
    expect(softwareAdapterReason({ isFallbackAdapter: true })).toBe('reported as a fallback adapter');
    expect(softwareAdapterReason({ isFallbackAdapter: true, info: { vendor: 'x' } })).toBe('reported as a fallback adapter');
    // the info's own flag wins: a getter on the deprecated field is never read
    const adapter = {
      info: { vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false },
      get isFallbackAdapter(): boolean {
        throw new Error('deprecated field read');
      },
    };
    expect(softwareAdapterReason(adapter)).toBeNull();
  });

  it('accepts hardware adapters, named or not', () => {
    expect(softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' } })).toBeNull();
    expect(softwareAdapterReason({ info: { vendor: 'intel', architecture: 'gen-12lp' }, isFallbackAdapter: false })).toBeNull();
    expect(softwareAdapterReason({})).toBeNull();
    expect(softwareAdapterReason({ info: null })).toBeNull();
    expect(isSoftwareAdapter({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBe(false);
  });
});

describe('describeGpuAdapter', () => {
  it('joins the non-empty info fields in order, trimmed', () => {
    expect(describeGpuAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: ' 0x2335 ', description: 'NVIDIA H200' } })).toBe('nvidia hopper 0x2335 NVIDIA H200');
    expect(describeGpuAdapter({ info: { vendor: '', architecture: '  ' } })).toBe('unnamed adapter');
    expect(describeGpuAdapter({})).toBe('unnamed adapter');
  });
});

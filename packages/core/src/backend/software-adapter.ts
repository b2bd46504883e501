// Recognises software (CPU-emulated) WebGPU adapters, which `auto` backend selection skips in
// Node (Dawn) and in browsers: on SwiftShader a detection took 38.6 s where wasm in the same
// page took 0.57 s. Pure: it reads only the fields it is given.

/** The fields of `GPUAdapterInfo` this module reads (all optional: browsers may leave them empty). */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Where the browser reports it (Chromium 13x and later): the adapter is a fallback (software) one. */
  isFallbackAdapter?: boolean;
}

/** The part of a `GPUAdapter` this module reads. */
export interface GpuAdapterLike {
  /** `GPUAdapterInfo`, in browsers since 2024 and in Dawn for Node. */
  info?: GpuAdapterInfoLike | null;
  /** Older place of the fallback flag (deprecated in favour of `info.isFallbackAdapter`). */
  isFallbackAdapter?: boolean;
}

/**
 * Names of software rasterisers and CPU Vulkan/D3D drivers, matched case-insensitively against
 * the adapter's vendor, architecture, device and description: SwiftShader (Chromium's and
 * Dawn's CPU driver), Mesa's llvmpipe, lavapipe and softpipe, and Windows' Microsoft Basic
 * Render Driver (WARP).
 */
export const SOFTWARE_ADAPTER_PATTERN = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i;

function infoOf(adapter: GpuAdapterLike): GpuAdapterInfoLike {
  const info = adapter.info;
  return info !== null && typeof info === 'object' ? info : {};
}

/**
 * A one-line name of an adapter from its info fields ("google swiftshader", "nvidia ampere
 * NVIDIA H200"), or 'unnamed adapter' when the browser reports none of them.
 *
 * @example describeGpuAdapter({ info: { vendor: 'google', architecture: 'swiftshader' } }); // 'google swiftshader'
 */
export function describeGpuAdapter(adapter: GpuAdapterLike): string {
  const info = infoOf(adapter);
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim());
  return parts.join(' ') || 'unnamed adapter';
}

/**
 * Why `adapter` is a software (CPU-emulated) WebGPU adapter, or null for a hardware one: the
 * browser's own fallback flag (`info.isFallbackAdapter`, else the deprecated
 * `adapter.isFallbackAdapter`), then {@link SOFTWARE_ADAPTER_PATTERN} on its info fields.
 *
 * @example
 * softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } });
 * // 'reported as a fallback adapter'
 * softwareAdapterReason({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
 * // 'its name contains "llvmpipe"'
 * softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'ampere' } }); // null
 */
export function softwareAdapterReason(adapter: GpuAdapterLike): string | null {
  const info = infoOf(adapter);
  // read the deprecated flag only where the info does not carry it (browsers warn when it is read)
  const fallback = typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : adapter.isFallbackAdapter === true;
  if (fallback) return 'reported as a fallback adapter';
  const m = SOFTWARE_ADAPTER_PATTERN.exec(describeGpuAdapter(adapter));
  return m ? `its name contains "${m[0]}"` : null;
}

/**
 * Whether `adapter` is a software (CPU-emulated) WebGPU adapter: see {@link softwareAdapterReason}.
 *
 * @example isSoftwareAdapter({ isFallbackAdapter: true }); // true
 */
export function isSoftwareAdapter(adapter: GpuAdapterLike): boolean {
  return softwareAdapterReason(adapter) !== null;
}

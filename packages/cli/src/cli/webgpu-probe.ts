// In `auto` mode the CLI asks a child process whether Dawn sees a hardware GPU before loading
// Dawn itself: Dawn and the Vulkan loader write to the process's stderr directly ("XDG_RUNTIME_DIR
// is invalid", "Couldn't load Vulkan", adapter warnings), which JavaScript cannot silence in its
// own process. The child's stderr is discarded; Dawn is loaded here only when the child found a
// hardware adapter (then its messages concern the GPU in use), or when WebGPU is asked for by
// name. The probe costs one short-lived node process (0.8 s measured on this 2-core machine).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

const PROBE = `
const d = await import(process.argv[1]);
const gpu = d.create((process.env.AACLIP_DAWN_FLAGS ?? '').split(',').filter(Boolean));
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const i = a?.info ?? {};
process.stdout.write(JSON.stringify(a ? { name: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unnamed adapter', fallback: Boolean(a.isFallbackAdapter) } : null));
process.exit(0);`;

/**
 * Null when a hardware WebGPU adapter is there (load Dawn in this process), else the reason to
 * skip WebGPU in `auto` mode, found without loading Dawn here.
 */
export async function probeWebGpu(): Promise<string | null> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return "the 'webgpu' package (Dawn for Node) is not installed (optional peer dependency: npm install webgpu @tensorflow/tfjs-backend-webgpu)";
  }
  const out = await new Promise<string | null>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', PROBE, url], { timeout: 30_000, maxBuffer: 1 << 20 }, (err, stdout) => resolve(err ? null : stdout));
  });
  if (out === null) return 'the WebGPU probe (Dawn in a child process) failed';
  let r: { name: string; fallback: boolean } | null;
  try {
    r = JSON.parse(out) as typeof r;
  } catch {
    return 'the WebGPU probe (Dawn in a child process) gave no answer';
  }
  if (!r) return "Dawn found no GPU adapter (Linux needs libvulkan.so.1 and a Vulkan driver: the GPU vendor's ICD)";
  if (r.fallback || SOFTWARE_ADAPTER.test(r.name)) return `only a software adapter was found (${r.name}); request 'webgpu' by name to use it anyway`;
  return null;
}

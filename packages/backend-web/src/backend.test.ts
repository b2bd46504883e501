import { describe, expect, it, vi } from 'vitest';
import { formatWebBackendReport, normalizeWasmPaths, resolveWebBackend, useWebBackend, webBackendReport, type BackendActivator, type WasmPaths } from './backend';
import { createFeatureProbes, type FeatureProbes, type WebBackendName, type AdapterFinding } from './feature-probes';

type Outcome = string | null;

/** Probes answering from a table (null = available; webgpu and webgl may describe their adapter / renderer). */
function probes(table: Partial<Record<WebBackendName, Outcome>> & { webgpuAdapter?: AdapterFinding; webglRenderer?: AdapterFinding }): FeatureProbes {
  return {
    webgpu: async () => table.webgpu ?? table.webgpuAdapter ?? null,
    webgl: async () => table.webgl ?? table.webglRenderer ?? null,
    wasm: async () => table.wasm ?? null,
  };
}

/** An activator recording its calls; `fail` / `unsuitable` give reasons per backend. */
function activator(fail: Partial<Record<WebBackendName, Outcome>> = {}, unsuitable: Partial<Record<WebBackendName, Outcome>> = {}, delayMs = 0) {
  const calls: string[] = [];
  let active = 'cpu';
  const a: BackendActivator = {
    async activate(name, opts) {
      calls.push(`activate ${name}${opts.wasmPaths !== undefined ? ` ${JSON.stringify(opts.wasmPaths)}` : ''}`);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (fail[name]) return fail[name]!;
      active = name;
      return null;
    },
    async suitable(name) {
      calls.push(`suitable ${name}`);
      return unsuitable[name] ?? null;
    },
    current: () => active,
  };
  return { a, calls };
}

describe('resolveWebBackend', () => {
  it('auto: skips failed checks and failed starts in the order webgpu, webgl, wasm', async () => {
    const { a, calls } = activator({ webgl: 'the webgl backend failed to initialise' });
    const r = await resolveWebBackend('auto', probes({ webgpu: 'navigator.gpu is missing' }), a);
    expect(r).toEqual({
      active: 'wasm',
      tfjsName: 'wasm',
      how: 'auto',
      skipped: [
        { name: 'webgpu', reason: 'navigator.gpu is missing' },
        { name: 'webgl', reason: 'the webgl backend failed to initialise' },
      ],
    });
    expect(calls).toEqual(['activate webgl', 'activate wasm', 'suitable wasm']); // webgpu never loaded
  });

  it('auto: takes the first backend that works, and skips one that starts but is unsuitable', async () => {
    const first = activator();
    expect(await resolveWebBackend('auto', probes({}), first.a)).toMatchObject({ active: 'webgpu', skipped: [] });
    expect(first.calls).toEqual(['activate webgpu', 'suitable webgpu']);
    const half = activator({}, { webgl: 'WebGL here renders only to 16-bit float textures' });
    const r = await resolveWebBackend('auto', probes({ webgpu: 'no adapter' }), half.a);
    expect(r.active).toBe('wasm');
    expect(r.skipped[1]).toEqual({ name: 'webgl', reason: 'WebGL here renders only to 16-bit float textures' });
  });

  it('a named backend must work (no suitability veto), else the error says why', async () => {
    const { a, calls } = activator({}, { webgl: 'half floats' });
    expect(await resolveWebBackend('webgl', probes({ webgpu: 'x' }), a)).toEqual({ active: 'webgl', tfjsName: 'webgl', how: 'requested', skipped: [] });
    expect(calls).toEqual(['activate webgl']);
    await expect(resolveWebBackend('webgpu', probes({ webgpu: 'navigator.gpu.requestAdapter() returned null' }), a)).rejects.toThrow(
      'useWebBackend: backend "webgpu" is not available: navigator.gpu.requestAdapter() returned null',
    );
    await expect(resolveWebBackend('wasm', probes({}), activator({ wasm: 'wasm fetch 404' }).a)).rejects.toThrow('backend "wasm" is not available: wasm fetch 404');
  });

  it('fails listing every reason when nothing starts, and rejects unknown names', async () => {
    await expect(resolveWebBackend('auto', probes({ webgpu: 'a', webgl: 'b', wasm: 'c' }), activator().a)).rejects.toThrow(
      'useWebBackend: no tfjs backend could start: webgpu: a; webgl: b; wasm: c',
    );
    await expect(resolveWebBackend('cuda' as never, probes({}), activator().a)).rejects.toThrow('useWebBackend: unknown backend "cuda" (expected one of webgpu, webgl, wasm, or auto)');
    expect((await resolveWebBackend('WebGL2' as never, probes({}), activator().a)).active).toBe('webgl');
  });

  it('hands normalised wasmPaths to the activator', async () => {
    const { a, calls } = activator();
    await resolveWebBackend('wasm', probes({}), a, { wasmPaths: '/assets/tfjs-wasm' });
    expect(calls).toEqual(['activate wasm "/assets/tfjs-wasm/"']);
    expect(normalizeWasmPaths('https://cdn.example/w/')).toBe('https://cdn.example/w/');
    expect(() => normalizeWasmPaths('')).toThrow('wasmPaths must be a non-empty base URL');
    const partial = { 'tfjs-backend-wasm.wasm': '/a.wasm' } as unknown as WasmPaths;
    expect(() => normalizeWasmPaths(partial)).toThrow('wasmPaths map lacks a URL for tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm');
  });
});

/** What Chromium 156 reports for its SwiftShader adapter (--use-webgpu-adapter=swiftshader). */
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };
/** Chromium 156's unmasked WebGL renderer with --use-angle=swiftshader (gl.RENDERER says "WebKit WebGL"). */
const SWIFTSHADER_GL = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const UNMASKED_RENDERER_WEBGL = 0x9246;

/** A WebGL2 context answering gl.RENDERER with `plain` and the unmasked renderer with `unmasked` (null: no debug extension). */
function glContext(plain: string, unmasked: string | null, loseContext = vi.fn()) {
  return {
    getExtension: (n: string) => (n === 'WEBGL_lose_context' ? { loseContext } : n === 'WEBGL_debug_renderer_info' && unmasked !== null ? { UNMASKED_RENDERER_WEBGL } : null),
    getParameter: (p: number) => (p === 0x1f01 ? plain : p === UNMASKED_RENDERER_WEBGL ? unmasked : null),
  };
}

describe('resolveWebBackend and software adapters', () => {
  const software: AdapterFinding = { adapter: 'google swiftshader', software: 'reported as a fallback adapter' };
  const softwareGl: AdapterFinding = { adapter: SWIFTSHADER_GL, software: 'its name contains "SwiftShader"' };
  const WEBGPU_SKIP = "only a software adapter was found (google swiftshader: reported as a fallback adapter); request 'webgpu' by name to use it anyway";
  const WEBGL_SKIP = `only a software renderer was found (${SWIFTSHADER_GL}: its name contains "SwiftShader"); request 'webgl' by name to use it anyway`;

  it('auto skips a software adapter without loading the webgpu backend, naming the adapter and why', async () => {
    const { a, calls } = activator();
    const r = await resolveWebBackend('auto', probes({ webgpuAdapter: software }), a);
    expect(r).toEqual({ active: 'webgl', tfjsName: 'webgl', how: 'auto', skipped: [{ name: 'webgpu', reason: WEBGPU_SKIP }] });
    expect(calls).toEqual(['activate webgl', 'suitable webgl']);
    expect(formatWebBackendReport(r)).toBe(`backend webgl (auto; skipped webgpu: ${WEBGPU_SKIP})`);
  });

  it('auto skips a software WebGL renderer too and lands on wasm (Chromium on SwiftShader)', async () => {
    const { a, calls } = activator();
    const r = await resolveWebBackend('auto', probes({ webgpuAdapter: software, webglRenderer: softwareGl }), a);
    expect(r).toEqual({ active: 'wasm', tfjsName: 'wasm', how: 'auto', skipped: [{ name: 'webgpu', reason: WEBGPU_SKIP }, { name: 'webgl', reason: WEBGL_SKIP }] });
    expect(calls).toEqual(['activate wasm', 'suitable wasm']);
    // a hardware renderer is taken and named
    const hw = await resolveWebBackend('auto', probes({ webgpu: 'no adapter', webglRenderer: { adapter: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11)', software: null } }), activator().a);
    expect(formatWebBackendReport(hw)).toBe('backend webgl on ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11) (auto; skipped webgpu: no adapter)');
  });

  it("an explicit 'webgl' accepts a software renderer and reports it", async () => {
    const r = await resolveWebBackend('webgl', probes({ webglRenderer: softwareGl }), activator().a);
    expect(r).toEqual({ active: 'webgl', tfjsName: 'webgl', adapter: SWIFTSHADER_GL, how: 'requested', skipped: [] });
  });

  it("an explicit 'webgpu' accepts a software adapter and reports it", async () => {
    const { a, calls } = activator();
    const r = await resolveWebBackend('webgpu', probes({ webgpuAdapter: software }), a);
    expect(r).toEqual({ active: 'webgpu', tfjsName: 'webgpu', adapter: 'google swiftshader', how: 'requested', skipped: [] });
    expect(calls).toEqual(['activate webgpu']);
    expect(formatWebBackendReport(r)).toBe('backend webgpu on google swiftshader (requested)');
  });

  it('auto takes a hardware adapter and reports it', async () => {
    const { a } = activator();
    const r = await resolveWebBackend('auto', probes({ webgpuAdapter: { adapter: 'nvidia hopper', software: null } }), a);
    expect(r).toEqual({ active: 'webgpu', tfjsName: 'webgpu', adapter: 'nvidia hopper', how: 'auto', skipped: [] });
    expect(formatWebBackendReport(r)).toBe('backend webgpu on nvidia hopper (auto)');
  });

  it("with the real probes on Chromium 156's SwiftShader (WebGPU and WebGL): auto lands on wasm, named ones still work", async () => {
    const gpu = { requestAdapter: async () => ({ info: SWIFTSHADER }) };
    const real = createFeatureProbes({ navigator: { gpu }, createCanvas: () => ({ getContext: () => glContext('WebKit WebGL', SWIFTSHADER_GL) }), webAssembly: { instantiate: () => undefined } });
    const auto = await resolveWebBackend('auto', real, activator().a);
    expect(auto.active).toBe('wasm');
    expect(auto.skipped).toEqual([
      { name: 'webgpu', reason: WEBGPU_SKIP },
      { name: 'webgl', reason: WEBGL_SKIP },
    ]);
    expect(await resolveWebBackend('webgpu', real, activator().a)).toMatchObject({ active: 'webgpu', adapter: 'google swiftshader' });
    expect(await resolveWebBackend('webgl', real, activator().a)).toMatchObject({ active: 'webgl', adapter: SWIFTSHADER_GL });
  });
});

describe('useWebBackend', () => {
  it('logs which backend it chose and why (console.debug by default; a function; or nothing)', async () => {
    const lines: string[] = [];
    const gpu = { vendor: 'google', architecture: 'swiftshader' }; // no fallback flag: recognised by name
    const r = await useWebBackend('auto', { probes: createFeatureProbes({ navigator: { gpu: { requestAdapter: async () => ({ info: gpu }) } } }), activator: activator().a, log: (l) => lines.push(l) });
    expect(r.active).toBe('wasm');
    expect(lines).toEqual([
      "backend wasm (auto; skipped webgpu: only a software adapter was found (google swiftshader: its name contains \"swiftshader\"); request 'webgpu' by name to use it anyway; webgl: no OffscreenCanvas and no document to create a canvas for the WebGL2 check)",
    ]);
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    try {
      await useWebBackend('wasm', { probes: probes({}), activator: activator().a });
      expect(debug.mock.calls).toEqual([['@aaclip/backend-web: backend wasm (requested)']]);
      await useWebBackend('wasm', { probes: probes({}), activator: activator().a, log: false });
      expect(debug).toHaveBeenCalledTimes(1);
    } finally {
      debug.mockRestore();
    }
  });

  it('runs calls one after another and remembers the last report', async () => {
    const { a, calls } = activator({}, {}, 20);
    const p1 = useWebBackend('webgl', { probes: probes({}), activator: a, log: false });
    const p2 = useWebBackend('auto', { probes: probes({ webgpu: 'no gpu' }), activator: a, log: false });
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(calls).toEqual(['activate webgl', 'activate webgl', 'suitable webgl']);
    expect(r1.how).toBe('requested');
    expect(r2).toEqual({ active: 'webgl', tfjsName: 'webgl', how: 'auto', skipped: [{ name: 'webgpu', reason: 'no gpu' }] });
    expect(webBackendReport()).toBe(r2);
    await expect(useWebBackend('wasm', { probes: probes({ wasm: 'WebAssembly is not available' }), activator: a, log: false })).rejects.toThrow('WebAssembly is not available');
    expect(webBackendReport()).toBe(r2); // a failed call keeps the previous report
    expect((await useWebBackend('wasm', { probes: probes({}), activator: a, log: false })).active).toBe('wasm'); // the queue survives failures
    expect(formatWebBackendReport(r2)).toBe('backend webgl (auto; skipped webgpu: no gpu)');
  });
});

describe('createFeatureProbes', () => {
  it('webgpu: needs navigator.gpu and an adapter', async () => {
    expect(await createFeatureProbes({ navigator: null }).webgpu()).toMatch(/^navigator\.gpu is missing \(WebGPU needs a browser that supports it/);
    expect(await createFeatureProbes({ navigator: {} }).webgpu()).toMatch(/^navigator\.gpu is missing/);
    const requestAdapter = vi.fn(async () => null);
    expect(await createFeatureProbes({ navigator: { gpu: { requestAdapter } } }).webgpu()).toBe(
      'navigator.gpu.requestAdapter() returned null (no usable GPU adapter; WebGPU may be disabled or the GPU blocklisted)',
    );
    expect(requestAdapter).toHaveBeenCalledWith({ powerPreference: 'high-performance' });
    const throwing = { requestAdapter: async () => Promise.reject(new Error('GPU process crashed')) };
    expect(await createFeatureProbes({ navigator: { gpu: throwing } }).webgpu()).toBe('navigator.gpu.requestAdapter() failed: GPU process crashed');
    expect(await createFeatureProbes({ navigator: { gpu: { requestAdapter: async () => ({ features: new Set() }) } } }).webgpu()).toEqual({ adapter: 'unnamed adapter', software: null });
  });

  it('webgpu: names the adapter and says whether it is a software one (info, or requestAdapterInfo() in older browsers)', async () => {
    const probe = (adapter: object) => createFeatureProbes({ navigator: { gpu: { requestAdapter: async () => adapter } } }).webgpu();
    expect(await probe({ info: SWIFTSHADER })).toEqual({ adapter: 'google swiftshader', software: 'reported as a fallback adapter' });
    expect(await probe({ info: { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } })).toEqual({ adapter: 'nvidia hopper', software: null });
    // Chromium 113-126: no `info`, an async requestAdapterInfo(), the flag on the adapter
    const requestAdapterInfo = vi.fn(async () => ({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }));
    expect(await probe({ requestAdapterInfo, isFallbackAdapter: false })).toEqual({ adapter: 'mesa llvmpipe (LLVM 15.0.6, 256 bits)', software: 'its name contains "llvmpipe"' });
    expect(requestAdapterInfo).toHaveBeenCalledTimes(1);
    const failing = { requestAdapterInfo: async () => Promise.reject(new Error('denied')), isFallbackAdapter: true };
    expect(await probe(failing)).toEqual({ adapter: 'unnamed adapter', software: 'reported as a fallback adapter' });
  });

  it('webgl: needs a WebGL2 context, and releases the probe context', async () => {
    expect(await createFeatureProbes({ createCanvas: () => null }).webgl()).toBe('no OffscreenCanvas and no document to create a canvas for the WebGL2 check');
    // Node has neither OffscreenCanvas nor document: the default canvas factory finds none
    expect(await createFeatureProbes().webgl()).toBe('no OffscreenCanvas and no document to create a canvas for the WebGL2 check');
    expect(await createFeatureProbes({ createCanvas: () => ({ getContext: () => null }) }).webgl()).toBe("getContext('webgl2') returned null (WebGL2 is unsupported or disabled)");
    const boom = (): never => {
      throw new Error('context lost');
    };
    expect(await createFeatureProbes({ createCanvas: () => ({ getContext: boom }) }).webgl()).toBe("getContext('webgl2') failed: context lost");
    const loseContext = vi.fn();
    const getContext = vi.fn(() => ({ getExtension: (n: string) => (n === 'WEBGL_lose_context' ? { loseContext } : null) }));
    expect(await createFeatureProbes({ createCanvas: () => ({ getContext }) }).webgl()).toBeNull();
    expect(getContext).toHaveBeenCalledWith('webgl2');
    expect(loseContext).toHaveBeenCalledTimes(1);
  });

  it('webgl: names the renderer (gl.RENDERER where real, else the unmasked one) and says whether it is a software one', async () => {
    const probe = (gl: object) => createFeatureProbes({ createCanvas: () => ({ getContext: () => gl }) }).webgl();
    const loseContext = vi.fn();
    expect(await probe(glContext('WebKit WebGL', SWIFTSHADER_GL, loseContext))).toEqual({ adapter: SWIFTSHADER_GL, software: 'its name contains "SwiftShader"' });
    expect(loseContext).toHaveBeenCalledTimes(1); // the context is still released
    // Firefox: a sanitised real renderer in gl.RENDERER, no need for the deprecated debug extension
    expect(await probe(glContext('llvmpipe, or similar', null))).toEqual({ adapter: 'llvmpipe, or similar', software: 'its name contains "llvmpipe"' });
    expect(await probe(glContext('WebKit WebGL', 'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)'))).toEqual({
      adapter: 'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
      software: null,
    });
    expect(await probe(glContext('WebKit WebGL', null))).toBeNull(); // masked, no extension: nothing known, not skipped
    const throwing = { getExtension: () => null, getParameter: () => { throw new Error('context lost'); } };
    expect(await probe(throwing)).toBeNull();
  });

  it('wasm: needs WebAssembly', async () => {
    expect(await createFeatureProbes({ webAssembly: null }).wasm()).toBe('WebAssembly is not available');
    expect(await createFeatureProbes({ webAssembly: {} }).wasm()).toBe('WebAssembly is not available');
    expect(await createFeatureProbes().wasm()).toBeNull(); // Node has WebAssembly
  });

  it('in Node, auto resolution with the real probes skips webgpu and webgl with their reasons', async () => {
    const { a } = activator();
    const r = await resolveWebBackend('auto', createFeatureProbes({ navigator: null }), a);
    expect(r.active).toBe('wasm');
    expect(r.skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
  });
});

/**
 * Side-effect entry: `import '@aaclip/backend-web/register'` selects the tfjs backend (webgpu,
 * then webgl, then wasm, after feature checks) as soon as it is imported.
 *
 * To name a backend or the wasm binaries' base URL, set `globalThis.AACLIP_WEB_CONFIG` before
 * this module runs (e.g. in a module imported just before it):
 *
 * @example
 * // aaclip-config.js
 * globalThis.AACLIP_WEB_CONFIG = { backend: 'auto', wasmPaths: '/assets/tfjs-wasm/' };
 * // main.js
 * import './aaclip-config.js';
 * import { backendReady } from '@aaclip/backend-web/register';
 * console.log((await backendReady).active);
 */
import { useWebBackend, type WasmPaths, type WebBackendReport } from './backend';
import type { WebBackendName } from './feature-probes';

/** Read by this entry when it is imported. */
export interface AaclipWebConfig {
  backend?: WebBackendName | 'auto';
  wasmPaths?: WasmPaths;
}

const config = (globalThis as { AACLIP_WEB_CONFIG?: AaclipWebConfig }).AACLIP_WEB_CONFIG ?? {};

/** Resolves to the backend selection (rejects when no backend can start). */
export const backendReady: Promise<WebBackendReport> = useWebBackend(config.backend ?? 'auto', { wasmPaths: config.wasmPaths });

backendReady.catch((err: unknown) => {
  console.error(`@aaclip/backend-web/register: ${(err as Error)?.message ?? String(err)}`);
});

// Vite config of the browser example. In this folder (its own package.json):
//
//   npm run dev        # dev server on http://127.0.0.1:5173/
//   npm run build      # static build in examples/browser/dist
//   npm run preview    # serves that build
//
// Not an npm workspace: @aaclip/* resolve through the repository's node_modules links to
// packages/*/dist (run `npm ci && npm run build` at the root first), and Vite is the root's
// devDependency (npm run puts every node_modules/.bin above this folder on the PATH).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/**
 * The model embedded in the app: the demo model shipped with @aaclip/backend-node, or the
 * safetensors file named by $AACLIP_EXAMPLE_MODEL.
 */
export const DEMO_MODEL_FILE = process.env.AACLIP_EXAMPLE_MODEL
  ? resolve(process.env.AACLIP_EXAMPLE_MODEL)
  : resolve(repoRoot, 'packages', 'backend-node', 'models', 'demo.safetensors');
/** Where the tfjs wasm binaries come from (copied into the app: nothing is fetched from a CDN). */
export const WASM_DIR = resolve(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

interface StaticAsset {
  /** Path in the built app (relative to its base). */
  path: string;
  /** Source file on disk. */
  file: string;
}

function readRequired(file: string, what: string, hint: string): Buffer {
  if (!existsSync(file)) throw new Error(`aaclip example: ${what} is missing: ${file} (${hint})`);
  return readFileSync(file);
}

/**
 * Serves (dev) and emits (build) the demo model and the tfjs wasm binaries as static files, and
 * tells the app their paths through the `__AACLIP_DEMO_MODEL__` / `__AACLIP_WASM_DIR__`
 * constants. The model's file name carries a hash of its bytes, so the Cache Storage entry of an
 * old model is never reused after the model changes.
 */
function aaclipAssets(): Plugin {
  let assets: StaticAsset[] = [];
  return {
    name: 'aaclip-example-assets',
    config() {
      const require = createRequire(import.meta.url);
      for (const pkg of ['@aaclip/core', '@aaclip/backend-web']) {
        try {
          require.resolve(pkg);
        } catch {
          throw new Error(`aaclip example: ${pkg} is not installed or not built (run \`npm ci && npm run build\` at the repository root first)`);
        }
      }
      const model = readRequired(DEMO_MODEL_FILE, 'the demo model', 'build it with `node scripts/train-demo-model.mjs` after `npm run build`');
      const hash = createHash('sha256').update(model).digest('hex').slice(0, 12);
      const modelPath = `models/demo-${hash}.safetensors`;
      assets = [{ path: modelPath, file: DEMO_MODEL_FILE }];
      for (const name of WASM_FILES) {
        readRequired(resolve(WASM_DIR, name), `the tfjs wasm binary ${name}`, 'run `npm ci` at the repository root');
        assets.push({ path: `tfjs-wasm/${name}`, file: resolve(WASM_DIR, name) });
      }
      return {
        define: {
          __AACLIP_DEMO_MODEL__: JSON.stringify(modelPath),
          __AACLIP_WASM_DIR__: JSON.stringify('tfjs-wasm/'),
        },
      };
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]!).replace(/^\/+/, '');
        const asset = assets.find((a) => a.path === path);
        if (!asset) return next();
        const body = readFileSync(asset.file);
        res.setHeader('Content-Type', path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
        res.setHeader('Content-Length', String(body.length));
        res.end(body);
      });
    },
    generateBundle() {
      for (const a of assets) this.emitFile({ type: 'asset', fileName: a.path, source: readFileSync(a.file) });
    },
  };
}

export default defineConfig({
  root: here,
  // relative URLs: the build works from any folder of any static server
  base: './',
  plugins: [aaclipAssets()],
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // tfjs is large; one warning per chunk over 2 MB is noise here
    chunkSizeWarningLimit: 2048,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

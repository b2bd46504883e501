// Packs what the GPU benchmark needs on a machine that can fetch nothing (the device tool's
// GPU machine) into .gpu/ (git-ignored, so the device tool sends it only when carried), under its 64 MiB limit:
//   - bundle/: the benchmark scripts and the SDK bundled by esbuild (sharp stubbed out: the
//     GPU run decodes no image files), with the `webgpu` package (Dawn for Node) beside it;
//   - node.xz, dawn.node.xz: this machine's Node.js binary and Dawn's Linux x64 addon, xz'd
//     (the GPU machine unpacks them with Python's lzma);
//   - debs/: Debian's Vulkan loader and GL dispatch libraries (libvulkan1, libglvnd0, libglx0,
//     libegl1, ...), unpacked there with dpkg -x: NVIDIA's Vulkan driver (libGLX_nvidia.so.0)
//     needs libGLdispatch from libglvnd0, which that machine lacks;
//   - fixture/: the parity fixture's files, its PNGs pre-decoded (preprocess.json).
// Run after `npm run build`:  node bench/gpu/prepare.mjs [--fixture test-data/fixtures/aaclip-tiny] [--src DIR]
// --src: bundle the SDK's sources (packages/*/src) and bench scripts of another checkout, e.g. a
// clean `git worktree` of HEAD, rather than this tree's (which may hold uncommitted work).
// Then (device tool): bash bench/gpu/device-run.sh, carrying .gpu.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImageFile } from '@aaclip/backend-node';
import { parseArgs } from '../lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = parseArgs();
const fixture = resolve(root, args.fixture ?? 'test-data/fixtures/aaclip-tiny');
const out = join(root, '.gpu');
const src = resolve(args.src ?? root);
const sh = (cmd, a, opts = {}) => execFileSync(cmd, a, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'bundle'), { recursive: true });

// 1. the bundle
const stubSharp = {
  name: 'stub-sharp',
  setup(b) {
    b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export default function sharp() { throw new Error('sharp is not in the GPU bundle: decode images before'); }",
    }));
  },
};
await build({
  entryPoints: { entry: join(src, 'bench/gpu/entry.mjs') },
  // the SDK from its TypeScript sources; everything else from this tree's node_modules
  alias: Object.fromEntries(['core', 'backend-node', 'prompts'].map((p) => [`@aaclip/${p}`, join(src, 'packages', p, 'src', 'index.ts')])),
  nodePaths: [join(root, 'node_modules')],
  outdir: join(out, 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  external: ['webgpu'],
  plugins: [stubSharp],
  // CommonJS inside the ESM bundle (tfjs' node builds) requires Node's modules
  banner: { js: "import { createRequire as __aaclipRequire } from 'node:module'; const require = __aaclipRequire(import.meta.url);" },
  logLevel: 'warning',
});
// the webgpu package with its Linux x64 addon only (xz'd apart), and its dependencies
const nm = join(out, 'bundle', 'node_modules');
for (const pkg of ['webgpu', 'debug', 'ms']) {
  cpSync(join(root, 'node_modules', pkg), join(nm, pkg), {
    recursive: true,
    filter: (src) => !/[\\/]dist[\\/](darwin|win32|linux-arm64)/.test(src) && !src.endsWith('dawn.node'),
  });
}
mkdirSync(join(nm, 'webgpu', 'dist', 'linux-x64'), { recursive: true });
writeFileSync(join(out, 'dawn.node.xz'), sh('xz', ['-9', '-c', join(root, 'node_modules/webgpu/dist/linux-x64/dawn.node')], { maxBuffer: 1 << 30 }));
// the demo model, where demo-throughput looks for it by --model
copyFileSync(join(src, 'packages/backend-node/models/demo.safetensors'), join(out, 'demo.safetensors'));

// 2. Node.js
writeFileSync(join(out, 'node.xz'), sh('xz', ['-9', '-T2', '-c', process.execPath], { maxBuffer: 1 << 30 }));

// 3. the Vulkan loader (amd64), as the device README describes
mkdirSync(join(out, 'debs'), { recursive: true });
const lists = '/tmp/amd64-lists';
mkdirSync(join(lists, 'partial'), { recursive: true });
const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
const debs = ['download', 'libvulkan1', 'libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libopengl0', 'libgles2'];
try {
  sh('apt-get', [...apt, ...debs], { cwd: join(out, 'debs') });
} catch {
  sh('apt-get', [...apt, 'update']);
  sh('apt-get', [...apt, ...debs], { cwd: join(out, 'debs') });
}

// 4. the parity fixture
const fx = join(out, 'fixture');
mkdirSync(fx, { recursive: true });
for (const f of ['expected.json', 'inputs.safetensors', 'expected.safetensors', 'clip-openai.safetensors', 'adapters.safetensors']) copyFileSync(join(fixture, f), join(fx, f));
copyFileSync(join(fixture, '..', 'bpe_simple_vocab_16e6.txt.gz'), join(fx, 'bpe_simple_vocab_16e6.txt.gz'));
const png = async (name) => {
  const img = await decodeImageFile(join(fixture, name));
  return { width: img.width, height: img.height, channels: img.channels, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64') };
};
writeFileSync(join(fx, 'preprocess.json'), JSON.stringify({ image: await png('preprocess-input.png'), mask: await png('preprocess-mask.png') }));

const du = (p) => Number(sh('du', ['-sb', p]).toString().split('\t')[0]);
console.log(`.gpu: ${(du(out) / 2 ** 20).toFixed(1)} MiB (node.xz ${(statSync(join(out, 'node.xz')).size / 2 ** 20).toFixed(1)}, dawn.node.xz ${(statSync(join(out, 'dawn.node.xz')).size / 2 ** 20).toFixed(1)}, bundle ${(du(join(out, 'bundle')) / 2 ** 20).toFixed(1)}, fixture ${(du(fx) / 2 ** 20).toFixed(1)})`);

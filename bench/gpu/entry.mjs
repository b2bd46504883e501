// One entry for the GPU bundle (bench/gpu/prepare.mjs): `node entry.mjs SCRIPT --args...` runs
// one of the benchmark scripts, which read their arguments from process.argv.
const scripts = {
  'vision-forward': () => import('../vision-forward.mjs'),
  'train-step': () => import('../train-step.mjs'),
  'text-anchors': () => import('../text-anchors.mjs'),
  'demo-throughput': () => import('../demo-throughput.mjs'),
  parity: () => import('./parity-bytes.mjs'),
};
const [node, , name, ...rest] = process.argv;
if (!scripts[name]) {
  console.error(`usage: node entry.mjs ${Object.keys(scripts).join('|')} [--args]`);
  process.exit(2);
}
process.argv = [node, name, ...rest];
await scripts[name]();

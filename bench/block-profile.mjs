// Where one ViT-L residual block's time goes on wasm (own GEMM vs XNNPACK), by part:
// node bench/block-profile.mjs --tokens 577 --repeat 3 [--width 1024 --heads 16] [--attention-job false]
// Prints one JSON line per part: LayerNorm, qkv product, attention heads, out projection,
// c_fc product, activation, c_proj product, residual adds, and the whole block.
import * as tf from '@tensorflow/tfjs-core';
import { ResidualAttentionBlock, attentionModeInUse, frozenLinear, applyActivation, matMulProvider } from '@aaclip/core';
import { useBackend } from '@aaclip/backend-node';
import { parseArgs } from './lib.mjs';

const args = parseArgs();
const N = Number(args.tokens ?? 577);
const W = Number(args.width ?? 1024);
const H = Number(args.heads ?? 16);
const repeat = Number(args.repeat ?? 3);
await useBackend('wasm');
const provider = matMulProvider();
// --attention-job false: the heads one by one through the provider's products (the path before)
if (provider && args['attention-job'] === 'false') provider.attention = undefined;
const gemm = provider?.engine ? `own ${provider.engine.threads} thr${provider.attention ? ', attention job' : ''}` : 'xnnpack';
let seed = 7;
const r = (shape, s) => ({ shape, data: tf.randomNormal(shape, 0, s, 'float32', seed++).dataSync() });
const one = (shape, v) => ({ shape, data: new Float32Array(shape[0]).fill(v) });
const p = 'b.';
const weights = new Map([
  [`${p}ln_1.weight`, one([W], 1)], [`${p}ln_1.bias`, one([W], 0)],
  [`${p}ln_2.weight`, one([W], 1)], [`${p}ln_2.bias`, one([W], 0)],
  [`${p}attn.in_proj_weight`, r([3 * W, W], 0.03)], [`${p}attn.in_proj_bias`, r([3 * W], 0.01)],
  [`${p}attn.out_proj.weight`, r([W, W], 0.03)], [`${p}attn.out_proj.bias`, r([W], 0.01)],
  [`${p}mlp.c_fc.weight`, r([4 * W, W], 0.03)], [`${p}mlp.c_fc.bias`, r([4 * W], 0.01)],
  [`${p}mlp.c_proj.weight`, r([W, 4 * W], 0.015)], [`${p}mlp.c_proj.bias`, r([W], 0.01)],
]);
const block = new ResidualAttentionBlock(weights, p, W, H, 'quick_gelu');
const x = tf.randomNormal([N, W], 0, 1, 'float32', 3);
const time = (name, fn) => {
  const ts = [];
  const cpu = []; // process CPU ms (every thread): the work, on a machine shared with others
  for (let i = 0; i < repeat; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    const y = fn();
    y.dataSync();
    ts.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
    y.dispose();
  }
  return { part: name, ms: Math.min(...ts), cpuMs: Math.min(...cpu) };
};
const out = [];
const ln = tf.keep(block.ln_1.apply(x));
out.push(time('layerNorm', () => block.ln_1.apply(x)));
out.push(time('qkv product', () => frozenLinear(ln, block.attn.inProjT)));
const qkv = tf.keep(frozenLinear(ln, block.attn.inProjT));
out.push(time('attention (qkv -> heads -> out proj)', () => block.attn.apply(ln, 1, N)));
out.push(time('out projection', () => frozenLinear(ln, block.attn.outProjT, block.attn.outProjBias)));
const pre = tf.keep(frozenLinear(ln, block.cFcT));
out.push(time('c_fc product', () => frozenLinear(ln, block.cFcT)));
out.push(time('activation', () => applyActivation('quick_gelu', pre, block.cFcBias)));
const h = tf.keep(applyActivation('quick_gelu', pre, block.cFcBias));
out.push(time('c_proj product', () => frozenLinear(h, block.cProjT, block.cProjBias)));
out.push(time('residual add', () => tf.add(x, ln)));
out.push(time('whole block', () => block.apply(x, 1, N)));
for (const o of out) console.log(JSON.stringify({ gemm, tokens: N, width: W, attention: attentionModeInUse(), ...o }));

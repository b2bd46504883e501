// The demo model's vision tower, set analytically. Real AA-CLIP freezes OpenAI's pretrained CLIP;
// the demo cannot ship CLIP, and a tower pretrained on six synthetic families did not carry over
// to unseen ones (README, "The demo model"). So the demo tower is an ordinary ViT (ClipModel,
// GELU, 6 blocks) whose weights compute, per 8 x 8 patch, how far its colour and texture
// statistics lie from the rest of its own image, on a log scale:
//   patch embedding  f = mean R, G, B; texture energy of R, G, B; luminance gradient energy x, y
//                    (energies as mean |response| of zero-mean filters, block 1's MLP)
//   block 2          d = f - mean over the image's patches (attention); l = log(|d| + eps) (MLP)
//   block 3          z = l - mean over the image's patches (attention): scale-free deviation
//   blocks 3-5       M = max_k z_k, by pairwise max(a, b) = (a + b) / 2 + |a - b| / 2 (MLPs)
//   block 6          every token receives the largest M of its image (attention) in place of
//                    its own (MLP)
// AA-CLIP's adapters (trained by this project's trainer) then map these features to the anchors.
// How: dimension 0 of the residual stream holds a large constant and dimension 1 balances the
// sum of all others, so every LayerNorm is an exact-enough identity (its mean and spread are
// the same for every token); attention is uniform over the patches (the class token, flagged in
// dimension 2, is masked by its key); MLPs compute |x|, x and log through GELU pairs.
import { CLIP_STD, mulberry32 } from '@aaclip/core';
import { checkedSetter, gauss } from './weight-build.mjs';

const C = 1000; // the constant of dimension 0
const GAMMA = 4; // stream units per unit of pixel value (0..1)
/** The eps of log(|d| + eps), in stream units. */
export const EPS = 0.005 * GAMMA;
const R = 12; // zero-mean filters per colour for the texture energy
const RG = 6; // filters per direction for the gradient energy

/** Dimension layout of the residual stream. */
function analyticLayout(W) {
  let next = 3;
  const take = (n) => Array.from({ length: n }, () => next++);
  const L = {
    mean: take(3), hp: take(3 * R), grad: take(2 * RG), energy: take(5),
    z: take(8), m1: take(4), m2: take(2), M: take(1)[0], global: take(1),
  };
  L.f = [...L.mean, ...L.energy];
  L.all = [...L.f, ...L.z, ...L.m1, ...L.m2, L.M, ...L.global];
  L.score = [L.M, ...L.global];
  if (next > W - 1) throw new Error(`analytic tower: needs width >= ${next + 1}, got ${W}`);
  L.ref = W - 1; // never written: every read is x_d - x_ref, so LayerNorm's mean cancels exactly
  return L;
}

/** n zero-mean values with unit sum of squares. */
function zeroMeanUnit(n, rand) {
  const a = Array.from({ length: n }, () => gauss(rand));
  const m = a.reduce((s, v) => s + v, 0) / n;
  const c = a.map((v) => v - m);
  const norm = Math.sqrt(c.reduce((s, v) => s + v * v, 0));
  return c.map((v) => v / norm);
}

const erf = (x) => {
  // Numerical Recipes' erfc approximation (fractional error below 1.2e-7), for the GELU fits
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
};
const geluF = (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** Least-squares fit of f on [lo, hi] by sum_u c_u GELU(a_u x + b_u) + c0; returns { c, c0, maxErr }. */
function fitGelu1d(f, units, lo, hi, n = 4000) {
  const xs = Array.from({ length: n }, (_, i) => {
    const u = i / (n - 1);
    return Math.sign(u - 0.5) * (Math.abs(2 * u - 1) ** 2) * Math.max(-lo, hi); // dense near 0
  }).filter((x) => x >= lo && x <= hi);
  const k = units.length + 1;
  const A = Array.from({ length: k }, () => new Float64Array(k));
  const bvec = new Float64Array(k);
  const row = (x) => [...units.map((u) => geluF(u.a * x + u.b)), 1];
  for (const x of xs) {
    const r = row(x);
    const y = f(x);
    for (let i = 0; i < k; i++) {
      bvec[i] += r[i] * y;
      for (let j = 0; j < k; j++) A[i][j] += r[i] * r[j];
    }
  }
  for (let i = 0; i < k; i++) A[i][i] += 1e-9 * xs.length;
  // Gaussian elimination
  const M = A.map((r, i) => [...r, bvec[i]]);
  for (let i = 0; i < k; i++) {
    let p = i;
    for (let j = i + 1; j < k; j++) if (Math.abs(M[j][i]) > Math.abs(M[p][i])) p = j;
    [M[i], M[p]] = [M[p], M[i]];
    for (let j = i + 1; j < k; j++) {
      const q = M[j][i] / M[i][i];
      for (let c = i; c <= k; c++) M[j][c] -= q * M[i][c];
    }
  }
  const sol = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = M[i][k];
    for (let j = i + 1; j < k; j++) s -= M[i][j] * sol[j];
    sol[i] = s / M[i][i];
  }
  let maxErr = 0;
  for (const x of xs) maxErr = Math.max(maxErr, Math.abs(row(x).reduce((s, v, i) => s + v * sol[i], 0) - f(x)));
  return { c: Array.from(sol.slice(0, -1)), c0: sol[k - 1], maxErr };
}

/**
 * Overwrites the `visual.*` entries of `weights` (OpenAI layout, { shape, data }) with the
 * analytic tower for cfg.vision ({ imageSize, patchSize 8, width >= 76, layers 6, heads with head width >= 9 }).
 * ln_post shows the projections a constant 1 and either the score features (expose 'score': M,
 * and the image's largest M) or every feature ('all'). Returns { layout, logFitError }.
 */
export function buildAnalyticTower(weights, cfg, { seed = 1, expose = 'score' } = {}) {
  const { imageSize: S, patchSize: P, width: W, layers, heads } = cfg.vision;
  if (P !== 8 || layers !== 6) throw new Error(`analytic tower: needs patchSize 8 and 6 layers, got ${P} and ${layers}`);
  const hd = W / heads;
  const g = S / P;
  const L = analyticLayout(W);
  const rand = mulberry32(seed);
  const mu0 = C / W;
  const sigma0 = Math.sqrt((C * C) / W - mu0 * mu0);
  const set = checkedSetter(weights, 'analytic tower');
  /** Sets row 1 of a writer [W, in] (or vector [W]) to minus the sum of rows 2..W-1. */
  const balance = (m, cols) => {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let d = 2; d < W; d++) s += m[d * cols + j];
      m[1 * cols + j] = -s;
    }
    return m;
  };
  const identityLn = (prefix) => {
    set(`${prefix}.weight`, [W], new Float32Array(W).fill(sigma0));
    set(`${prefix}.bias`, [W], new Float32Array(W).fill(mu0));
  };

  // ---- patch embedding: conv1 [W, 3, P, P] on CLIP-normalised pixels x = (v - mean) / std
  const conv = new Float32Array(W * 3 * P * P);
  const cw = (o, c, ky, kx, v) => { conv[((o * 3 + c) * P + ky) * P + kx] += v; };
  for (let c = 0; c < 3; c++) {
    for (let ky = 0; ky < P; ky++) for (let kx = 0; kx < P; kx++) cw(L.mean[c], c, ky, kx, (GAMMA * CLIP_STD[c]) / (P * P));
    for (let r = 0; r < R; r++) {
      const a = zeroMeanUnit(P * P, rand);
      for (let ky = 0; ky < P; ky++) for (let kx = 0; kx < P; kx++) cw(L.hp[c * R + r], c, ky, kx, GAMMA * CLIP_STD[c] * a[ky * P + kx]);
    }
  }
  for (let dir = 0; dir < 2; dir++) {
    for (let r = 0; r < RG; r++) {
      const b = zeroMeanUnit(P * (P - 1), rand);
      const o = L.grad[dir * RG + r];
      for (let i = 0; i < P; i++) for (let j = 0; j < P - 1; j++) {
        const [y0, x0, y1, x1] = dir === 0 ? [i, j, i, j + 1] : [j, i, j + 1, i];
        for (let c = 0; c < 3; c++) {
          const k = (GAMMA * CLIP_STD[c] * b[i * (P - 1) + j]) / 3; // luminance = mean of R, G, B
          cw(o, c, y1, x1, k);
          cw(o, c, y0, x0, -k);
        }
      }
    }
  }
  set('visual.conv1.weight', [W, 3, P, P], balance(conv, 3 * P * P));
  const cls = new Float32Array(W);
  cls[2] = 1;
  set('visual.class_embedding', [W], balance(cls, 1));
  const pos = new Float32Array((1 + g * g) * W);
  for (let t = 0; t <= g * g; t++) pos[t * W] = C;
  set('visual.positional_embedding', [1 + g * g, W], pos);
  identityLn('visual.ln_pre');

  // ---- blocks
  const H = 4 * W;
  const blocks = Array.from({ length: layers }, () => ({
    inProj: new Float32Array(3 * W * W), outProj: new Float32Array(W * W),
    cFc: new Float32Array(H * W), cFcB: new Float32Array(H), cProj: new Float32Array(W * H), cProjB: new Float32Array(W), units: 0,
  }));
  /** Attention head 0 of block b: logits k_j = (key dims . weights) - 1e4 * is_class_token; v_i = sign * x[src_i] written to dst_i. */
  const attend = (b, keyTerms, src, dst, sign) => {
    const B = blocks[b];
    const read = (row, dim, w) => {
      B.inProj[row * W + dim] += w;
      B.inProj[row * W + L.ref] -= w;
    };
    read(0, 0, Math.sqrt(hd) / C); // q_0 = sqrt(hd): the scaled logit is then k_0
    read(W, 2, -1e4);
    for (const [dim, w] of keyTerms) read(W, dim, w);
    src.forEach((s, i) => {
      read(2 * W + i, s, sign);
      B.outProj[dst[i] * W + i] = 1;
    });
  };
  /** A hidden unit GELU(a . x + bias) of block b's MLP, read out as coef * unit into dims. */
  const unit = (b, inputs, bias, outputs) => {
    const B = blocks[b];
    const u = B.units++;
    if (u >= H) throw new Error('analytic tower: out of MLP units');
    for (const [dim, w] of inputs) {
      B.cFc[u * W + dim] += w;
      B.cFc[u * W + L.ref] -= w;
    }
    B.cFcB[u] = bias;
    for (const [dim, w] of outputs) B.cProj[dim * H + u] += w;
  };
  const ALPHA = 200;
  /** |x| (and/or x) of a linear form through the pair GELU(a x), GELU(-a x). */
  const absAndLinear = (b, form, absOut, linOut) => {
    const scaled = (s) => form.map(([d, w]) => [d, s * ALPHA * w]);
    unit(b, scaled(1), 0, [...absOut.map(([d, w]) => [d, w / ALPHA]), ...linOut.map(([d, w]) => [d, w / ALPHA])]);
    unit(b, scaled(-1), 0, [...absOut.map(([d, w]) => [d, w / ALPHA]), ...linOut.map(([d, w]) => [d, -w / ALPHA])]);
  };

  // block 1 MLP: energies = sqrt(pi/2) * mean |filter response| (an RMS estimate)
  const k = Math.sqrt(Math.PI / 2);
  for (let c = 0; c < 3; c++) for (let r = 0; r < R; r++) absAndLinear(0, [[L.hp[c * R + r], 1]], [[L.energy[c], k / R]], []);
  for (let dir = 0; dir < 2; dir++) for (let r = 0; r < RG; r++) absAndLinear(0, [[L.grad[dir * RG + r], 1]], [[L.energy[3 + dir], k / RG]], []);
  // block 2: d = f - mean(f) in place; l = log(|d| + eps) into z
  attend(1, [], L.f, L.f, -1);
  const knots = [0];
  for (let t = EPS / 4; t < 8; t *= 2) knots.push(t);
  const logUnits = knots.flatMap((t) => {
    const a = 3 / Math.max(t, EPS / 4);
    return [{ a, b: -a * t }, { a: -a, b: -a * t }];
  });
  const fit = fitGelu1d((x) => Math.log(Math.abs(x) + EPS), logUnits, -8, 8);
  L.f.forEach((fd, i) => {
    logUnits.forEach((u, j) => unit(1, [[fd, u.a]], u.b, [[L.z[i], fit.c[j]]]));
    blocks[1].cProjB[L.z[i]] += fit.c0;
  });
  // block 3: z = l - mean(l) in place; then pairwise maxima
  attend(2, [], L.z, L.z, -1);
  const maxInto = (b, a, c, out) => {
    absAndLinear(b, [[a, 1], [c, 1]], [], [[out, 0.5]]);
    absAndLinear(b, [[a, 1], [c, -1]], [[out, 0.5]], []);
  };
  for (let i = 0; i < 4; i++) maxInto(2, L.z[2 * i], L.z[2 * i + 1], L.m1[i]);
  for (let i = 0; i < 2; i++) maxInto(3, L.m1[2 * i], L.m1[2 * i + 1], L.m2[i]);
  maxInto(4, L.m2[0], L.m2[1], L.M);
  // block 6: every token gets the largest M of its image (attention) and drops its own (MLP), so
  // that block 5 carries the patch's score and block 6 the image's
  attend(5, [[L.M, 8]], [L.M], L.global, 1);
  absAndLinear(5, [[L.M, 1]], [], [[L.M, -1]]);

  blocks.forEach((B, i) => {
    const p = `visual.transformer.resblocks.${i}.`;
    identityLn(`${p}ln_1`);
    identityLn(`${p}ln_2`);
    set(`${p}attn.in_proj_weight`, [3 * W, W], B.inProj);
    set(`${p}attn.in_proj_bias`, [3 * W], new Float32Array(3 * W));
    set(`${p}attn.out_proj.weight`, [W, W], balance(B.outProj, W));
    set(`${p}attn.out_proj.bias`, [W], new Float32Array(W));
    set(`${p}mlp.c_fc.weight`, [H, W], B.cFc);
    set(`${p}mlp.c_fc.bias`, [H], B.cFcB);
    set(`${p}mlp.c_proj.weight`, [W, H], balance(B.cProj, H));
    set(`${p}mlp.c_proj.bias`, [W], balance(B.cProjB, 1));
  });
  // ln_post exposes the features and a constant 1 (dimension 0) as a bias for the projections
  const lw = new Float32Array(W);
  const lb = new Float32Array(W);
  L.exposed = L[expose];
  for (const d of L.exposed) {
    lw[d] = sigma0;
    lb[d] = mu0;
  }
  lb[0] = 1;
  set('visual.ln_post.weight', [W], lw);
  set('visual.ln_post.bias', [W], lb);
  const E = cfg.embedDim;
  const proj = new Float32Array(W * E);
  for (const d of [0, ...L.exposed]) for (let e = 0; e < E; e++) proj[d * E + e] = gauss(rand) / Math.sqrt(L.exposed.length);
  set('visual.proj', [W, E], proj);
  return { layout: L, logFitError: fit.maxErr };
}

// The per-image patch tokens MuSc scores: one [G*G, C] array per image and layer, the class
// token dropped, kept on the host (a ViT-L-14 image at 518 px: 4 x 1369 x 1024 floats, 22 MB;
// 200 images 4.5 GB, more than a wasm32 heap could hold), plus each image's unit class token.

/** What the scoring stage reads; `tokens[l][i]` is image i at layer l, [G*G * C] row-major. */
export interface MuscTokens {
  /** Patches per side. */
  grid: number;
  /** Token width C. */
  width: number;
  /** Embedding width E of the class tokens. */
  embedDim: number;
  /** [layer][image] -> [G*G * C] */
  tokens: Float32Array[][];
  /** [image] -> [E], unit rows (the final image embeddings). */
  classTokens: Float32Array[];
  /** Optional group label per image for the divide_num split (the official anomaly-type folder). */
  groups?: string[];
}

/** An empty store for `layers` levels. */
export function emptyMuscTokens(layers: number, grid: number, width: number, embedDim: number): MuscTokens {
  return { grid, width, embedDim, tokens: Array.from({ length: layers }, () => []), classTokens: [] };
}

/** The first non-finite value's index, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/**
 * Appends one image: `layerTokens[l]` [1 + G*G, C] with the class token first (or [G*G, C]
 * without it), `classToken` [E] (L2-normalised here). A NaN or infinity is refused with the
 * image's index and the layer named.
 */
export function appendMuscImage(
  store: MuscTokens,
  layerTokens: readonly Float32Array[],
  classToken: Float32Array,
  opts: { label?: string; layerNames?: readonly (string | number)[]; group?: string } = {},
): void {
  const { grid, width } = store;
  const P = grid * grid;
  const idx = store.classTokens.length;
  const label = opts.label ?? `image ${idx}`;
  if (layerTokens.length !== store.tokens.length) throw new Error(`MuSc: ${label} has ${layerTokens.length} token layers, expected ${store.tokens.length}`);
  const kept: Float32Array[] = [];
  layerTokens.forEach((t, l) => {
    const name = opts.layerNames?.[l] ?? l;
    let patches: Float32Array;
    if (t.length === (P + 1) * width) patches = t.slice(width);
    else if (t.length === P * width) patches = t.slice();
    else throw new Error(`MuSc: ${label} at layer ${name} has ${t.length} token values; expected (1 + ${grid}x${grid}) x ${width}: all images of a batch must have one size`);
    const bad = firstNonFinite(patches);
    if (bad >= 0) throw new Error(`MuSc: ${label} has a non-finite token value (${patches[bad]}) at layer ${name}, patch ${Math.floor(bad / width)}: check the image (NaN or infinite pixels) and the weights`);
    kept.push(patches);
  });
  if (classToken.length !== store.embedDim) throw new Error(`MuSc: ${label} has a class token of width ${classToken.length}, expected ${store.embedDim}`);
  const badCls = firstNonFinite(classToken);
  if (badCls >= 0) throw new Error(`MuSc: ${label} has a non-finite class token value: check the image (NaN or infinite pixels) and the weights`);
  let norm = 0;
  for (const v of classToken) norm += v * v;
  norm = Math.sqrt(norm);
  kept.forEach((p, l) => store.tokens[l]!.push(p));
  store.classTokens.push(Float32Array.from(classToken, (v) => v / norm));
  if (opts.group !== undefined || store.groups) {
    store.groups ??= Array.from({ length: idx }, () => '');
    store.groups.push(opts.group ?? '');
  }
}

/** Drops every image from index `count` on (undoes a failed append). */
export function truncateMuscTokens(store: MuscTokens, count: number): void {
  for (const layer of store.tokens) layer.length = Math.min(layer.length, count);
  store.classTokens.length = Math.min(store.classTokens.length, count);
  if (store.groups) store.groups.length = Math.min(store.groups.length, count);
}

// Small helpers of the demo model's analytic towers (scripts/lib/analytic-tower.mjs,
// scripts/lib/bag-of-bytes-text.mjs).

/** One standard normal value (Box-Muller, cosine branch) from two draws of `rand`. */
export function gauss(rand) {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/**
 * A setter that replaces an entry of `weights` (OpenAI layout, key -> { shape, data }) and checks
 * that the entry exists with the same shape; `who` names the caller in errors.
 */
export function checkedSetter(weights, who) {
  return (key, shape, data) => {
    const want = weights.get(key);
    if (!want) throw new Error(`${who}: no ${key} in the weights`);
    if (want.shape.join() !== shape.join()) throw new Error(`${who}: ${key} is [${want.shape}], built [${shape}]`);
    weights.set(key, { shape, data });
  };
}

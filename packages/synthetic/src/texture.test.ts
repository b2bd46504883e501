import { describe, expect, it } from 'vitest';
import { generateTexture, TEXTURE_FAMILIES, type TextureFamily } from './texture';

/** Gray-level statistics: orientation coherence of the structure tensor, gradient and Laplacian energy, contrast, chroma. */
function features(img: { width: number; data: Uint8Array }): number[] {
  const w = img.width;
  const n = w * w;
  const g = new Float32Array(n);
  for (let p = 0; p < n; p++) g[p] = 0.299 * img.data[p * 3]! + 0.587 * img.data[p * 3 + 1]! + 0.114 * img.data[p * 3 + 2]!;
  let mean = 0;
  for (const v of g) mean += v / n;
  let vr = 0;
  for (const v of g) vr += (v - mean) ** 2 / n;
  const sd = Math.sqrt(vr) + 1e-6;
  let jxx = 0;
  let jyy = 0;
  let jxy = 0;
  let gm = 0;
  let lap = 0;
  for (let y = 1; y < w - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      const gx = (g[p + 1]! - g[p - 1]!) / 2 / sd;
      const gy = (g[p + w]! - g[p - w]!) / 2 / sd;
      jxx += gx * gx;
      jyy += gy * gy;
      jxy += gx * gy;
      gm += Math.hypot(gx, gy);
      lap += Math.abs(4 * g[p]! - g[p - 1]! - g[p + 1]! - g[p - w]! - g[p + w]!) / sd;
    }
  }
  const m = (w - 2) * (w - 2);
  let chroma = 0;
  for (let p = 0; p < n; p++) {
    const r = img.data[p * 3]!;
    const gg = img.data[p * 3 + 1]!;
    const b = img.data[p * 3 + 2]!;
    chroma += (Math.max(r, gg, b) - Math.min(r, gg, b)) / n;
  }
  const coherence = Math.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy) / (jxx + jyy);
  return [coherence, gm / m, lap / m, Math.log(sd), chroma / 50];
}

describe('generateTexture', () => {
  it('has ten families', () => {
    expect(TEXTURE_FAMILIES).toEqual(['stripes', 'mesh', 'wood', 'leather', 'noise', 'tiles', 'carpet', 'metal', 'circuit', 'dots']);
  });

  it.each(TEXTURE_FAMILIES)('%s: is a deterministic, non-flat RGB image', (family) => {
    const a = generateTexture(family, 64, 11);
    const b = generateTexture(family, 64, 11);
    const c = generateTexture(family, 64, 12);
    expect(a.width).toBe(64);
    expect(a.height).toBe(64);
    expect(a.channels).toBe(3);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(a.data.length).toBe(64 * 64 * 3);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
    let mean = 0;
    for (const v of a.data) mean += v / a.data.length;
    let sd = 0;
    for (const v of a.data) sd += (v - mean) ** 2 / a.data.length;
    expect(Math.sqrt(sd)).toBeGreaterThan(3);
  });

  it('works at the size limits and odd sizes', () => {
    expect(generateTexture('tiles', 16, 0).data.length).toBe(16 * 16 * 3);
    expect(generateTexture('circuit', 97, 0).data.length).toBe(97 * 97 * 3);
  });

  it('gives different images for different families with the same seed', () => {
    const imgs = TEXTURE_FAMILIES.map((f) => Buffer.from(generateTexture(f, 48, 5).data));
    for (let i = 0; i < imgs.length; i++) {
      for (let j = i + 1; j < imgs.length; j++) expect(imgs[i]!.equals(imgs[j]!)).toBe(false);
    }
  });

  it('makes families distinguishable from simple statistics (1-NN on held-out seeds)', () => {
    const train: { f: number[]; y: number }[] = [];
    const test: { f: number[]; y: number }[] = [];
    TEXTURE_FAMILIES.forEach((family, y) => {
      for (let s = 0; s < 30; s++) (s < 20 ? train : test).push({ f: features(generateTexture(family, 64, s)), y });
    });
    const dim = train[0]!.f.length;
    const mu = new Array<number>(dim).fill(0);
    const sd = new Array<number>(dim).fill(0);
    for (const t of train) t.f.forEach((v, i) => (mu[i]! += v / train.length));
    for (const t of train) t.f.forEach((v, i) => (sd[i]! += (v - mu[i]!) ** 2 / train.length));
    const z = (f: number[]): number[] => f.map((v, i) => (v - mu[i]!) / Math.sqrt(sd[i]!));
    let correct = 0;
    for (const t of test) {
      const a = z(t.f);
      let best = -1;
      let bestD = Infinity;
      for (const r of train) {
        const b = z(r.f);
        const d = a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
        if (d < bestD) [bestD, best] = [d, r.y];
      }
      if (best === t.y) correct++;
    }
    // chance is 10%
    expect(correct / test.length).toBeGreaterThan(0.5);
  });

  it('orients stripes, wood and metal; leaves noise, carpet and circuit isotropic', () => {
    const coherence = (family: TextureFamily): number => {
      let s = 0;
      for (let i = 0; i < 12; i++) s += features(generateTexture(family, 64, 100 + i))[0]! / 12;
      return s;
    };
    for (const f of ['stripes', 'wood', 'metal'] as const) expect(coherence(f)).toBeGreaterThan(0.5);
    for (const f of ['noise', 'carpet', 'circuit'] as const) expect(coherence(f)).toBeLessThan(0.25);
  });

  it('validates its arguments', () => {
    expect(() => generateTexture('glass' as TextureFamily, 64, 1)).toThrow(
      'generateTexture: family: unknown texture family "glass"; valid families: stripes, mesh, wood, leather, noise, tiles, carpet, metal, circuit, dots',
    );
    expect(() => generateTexture('wood', 15, 1)).toThrow('generateTexture: size must be an integer in 16..4096, got 15');
    expect(() => generateTexture('wood', 4097, 1)).toThrow(/got 4097/);
    expect(() => generateTexture('wood', 32.5, 1)).toThrow(RangeError);
    expect(() => generateTexture('wood', 32, 0.5)).toThrow('generateTexture: seed must be a safe integer, got 0.5');
  });
});

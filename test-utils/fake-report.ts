// Deterministic fake evaluation data with real overlay PNGs, for the report tests.
import { makeOverlayPng } from '../packages/backend-node/src/overlay-png';
import type { ClassReport, EvaluationReportData, ReportCase, ReportMetrics } from '../packages/cli/src/report/report-types';

/** Small xorshift generator (deterministic fake scores). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A textured gray-brown image with a dark blob at (cx, cy), its anomaly map (14x14) and mask. */
export function fakeSample(size: number, cx: number, cy: number, r: number, anomalous: boolean) {
  const rgb = new Uint8Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const inBlob = anomalous && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
      const tex = 20 * Math.sin(x * 0.35) * Math.cos(y * 0.22);
      const base = inBlob ? 60 : 170 + tex;
      rgb[p * 3] = Math.round(base);
      rgb[p * 3 + 1] = Math.round(base * 0.9);
      rgb[p * 3 + 2] = Math.round(base * 0.75);
      mask[p] = inBlob ? 1 : 0;
    }
  }
  const g = 14;
  const map = new Float32Array(g * g);
  for (let y = 0; y < g; y++) {
    for (let x = 0; x < g; x++) {
      const d2 = ((x + 0.5) * (size / g) - cx) ** 2 + ((y + 0.5) * (size / g) - cy) ** 2;
      map[y * g + x] = 0.1 + (anomalous ? 0.85 : 0.2) * Math.exp(-d2 / (2 * (r * 1.3) ** 2));
    }
  }
  return { rgb, mask, map, size };
}

async function fakeCase(size: number, seed: number, label: 0 | 1, score: number, className: string): Promise<ReportCase> {
  const next = rng(seed);
  const s = fakeSample(size, size * (0.3 + 0.4 * next()), size * (0.3 + 0.4 * next()), size * 0.12, label === 1);
  const overlayPng = await makeOverlayPng(s.rgb, size, size, s.map, label === 1 ? s.mask : null, { min: 0, max: 1 });
  return { imagePath: `/data/mvtec/${className}/test/${label ? 'broken' : 'good'}/${String(seed).padStart(3, '0')}.png`, score, label, overlayPng };
}

const m = (base: number): ReportMetrics => ({
  pixelAuroc: base,
  pixelAp: base - 0.3,
  imageAuroc: base + 0.01,
  imageAp: base + 0.005,
  aupro: base - 0.08,
  f1MaxPixel: base - 0.25,
  f1MaxImage: base - 0.02,
});

/** Fake report data: two classes, real PNG overlays (64x64), seeded scores. */
export async function fakeReportData(size = 64): Promise<EvaluationReportData> {
  const classes: ClassReport[] = [];
  for (const [k, className, base] of [[0, 'bottle', 0.9812], [1, 'metal_nut', 0.9125]] as const) {
    const next = rng(100 + k);
    const normal = Array.from({ length: 40 }, () => 0.15 + 0.35 * next());
    const anomalous = Array.from({ length: 25 }, () => 0.4 + 0.55 * next());
    classes.push({
      className,
      domain: 'industrial',
      metrics: m(base),
      counts: { normal: normal.length, anomalous: anomalous.length },
      best: [await fakeCase(size, 10 + k, 1, 0.93, className), await fakeCase(size, 20 + k, 0, 0.16, className)],
      worst: [await fakeCase(size, 30 + k, 0, 0.52, className), await fakeCase(size, 40 + k, 1, 0.41, className)],
      histogram: { normal, anomalous },
    });
  }
  return {
    title: 'AA-CLIP on fake MVTec',
    createdAt: '2025-01-02T03:04:05.000Z',
    model: { backbone: 'ViT-L-14-336', imageSize: 518, checkpoint: 'runs/visa/adapters.safetensors' },
    dataset: { root: '/data/mvtec', format: 'mvtec' },
    classes,
    average: {
      pixelAuroc: (0.9812 + 0.9125) / 2,
      pixelAp: (0.6812 + 0.6125) / 2,
      imageAuroc: (0.9912 + 0.9225) / 2,
      imageAp: (0.9862 + 0.9175) / 2,
      aupro: (0.9012 + 0.8325) / 2,
      f1MaxPixel: (0.7312 + 0.6625) / 2,
      f1MaxImage: (0.9612 + 0.8925) / 2,
    },
    runtime: { seconds: 185.4, backend: 'tensorflow (CUDA)' },
  };
}

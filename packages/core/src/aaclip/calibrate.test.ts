import { describe, expect, it } from 'vitest';
import { applyThresholds, calibrateClass, CALIBRATION_METADATA_KEY, parseCalibration, quantile, type Calibration } from './calibrate';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { classFusedScores, fuseScores, mapMaximum } from './score';

const map = (...v: number[]): Float32Array => Float32Array.from(v);

describe('score.ts', () => {
  it('fuses per domain and takes map maxima', () => {
    expect(fuseScores(0.8, 0.4, 'industrial')).toBeCloseTo(0.6, 12);
    expect(fuseScores(0.8, 0.4, 'medical')).toBe(0.8);
    expect(mapMaximum([0.1, 0.7, 0.3])).toBe(0.7);
  });
  it('normalises over the class reference set as the official evaluation', () => {
    // pixels span [0, 2]; image scores span [0.2, 0.6]
    const s = classFusedScores({ domain: 'industrial', pixelRange: { min: 0, max: 2 }, mapMax: [2, 1, 0.5], imageScore: [0.6, 0.2, 0.4] })!;
    expect(s[0]).toBe(1);
    expect(s[1]).toBe(0.25);
    expect(s[2]).toBeCloseTo(0.375, 12); // (0.4 - 0.2) / 0.4 in float64 is 0.5000000000000001
    const m = classFusedScores({ domain: 'medical', pixelRange: { min: 0, max: 2 }, mapMax: [2, 1], imageScore: [0.3, 0.3] })!;
    expect(Array.from(m)).toEqual([1, 0.5]);
    expect(classFusedScores({ domain: 'industrial', pixelRange: { min: 1, max: 1 }, mapMax: [1], imageScore: [0.5] })).toBeNull();
  });
});

describe('calibrateClass', () => {
  it('normal references alone: the (1 - fpr) quantile of their scores and pixels', () => {
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    const samples = scores.map((s, i) => ({ score: s, map: map(i, i + 0.5) }));
    const t = calibrateClass('tile', samples, { fpr: 0.1 });
    // numpy.quantile(scores, 0.9) = 0.1 + 0.9 * 9 * 0.1 ... = 0.91
    expect(t.image).toBeCloseTo(0.91, 12);
    // pixels 0, .5, 1, 1.5, ..., 9, 9.5 (20 values): position 0.9 * 19 = 17.1 -> 8.5 + 0.1 * 0.5
    expect(t.pixel).toBeCloseTo(8.55, 6);
    expect(t).toMatchObject({ method: 'fpr', fpr: 0.1, normal: 10, anomalous: 0 });
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    // on the calibration set: exactly one normal image in ten is called anomalous
    expect(scores.filter((s) => applyThresholds(t, s, []).isAnomalous)).toEqual([1.0]);
  });

  it('labelled set: the F1-optimal thresholds (anomalib adaptive threshold)', () => {
    const samples = [
      { score: 0.1, label: 0 as const, map: map(0.1, 0.2), mask: null },
      { score: 0.3, label: 0 as const, map: map(0.2, 0.3), mask: null },
      { score: 0.35, label: 1 as const, map: map(0.25, 0.9), mask: map(0, 1) },
      { score: 0.8, label: 1 as const, map: map(0.3, 0.7), mask: map(0, 1) },
      { score: 0.2, label: 1 as const, map: map(0.1, 0.6), mask: map(0, 1) },
    ];
    const t = calibrateClass('tile', samples, { labelled: true });
    // score >= 0.2 -> 3 TP, 1 FP (0.3): F1 = 6/7 ; >= 0.35 -> 2 TP, 0 FP, 1 FN: F1 = 0.8
    expect(t.image).toBeCloseTo(0.2, 6);
    expect(t.f1!.image).toBeCloseTo(6 / 7, 12);
    // pixels >= 0.6 are exactly the three defect pixels: F1 = 1
    expect(t.pixel).toBeCloseTo(0.6, 6);
    expect(t.f1!.pixel).toBe(1);
    expect(t).toMatchObject({ method: 'f1', normal: 2, anomalous: 3 });
  });

  it('labelled set without masks: pixel threshold from the normal pixels at fpr', () => {
    const samples = [
      { score: 0.1, label: 0 as const, map: map(0, 1) },
      { score: 0.9, label: 1 as const, map: map(5, 5) },
    ];
    const t = calibrateClass('x', samples, { labelled: true, fpr: 0.5 });
    expect(t.image).toBeCloseTo(0.9, 6);
    expect(t.pixel).toBe(0.5);
    expect(t.fpr).toBe(0.5);
  });

  it('refuses a set without normal images, and a labelled set of one class', () => {
    expect(() => calibrateClass('bottle', [{ score: 1, label: 1, map: map(1) }], { fpr: 0.05 })).toThrow(/class "bottle" has no normal images/);
    expect(() => calibrateClass('bottle', [{ score: 0.2, label: 0, map: map(1) }], { labelled: true })).toThrow(/class "bottle" has normal images only/);
    expect(() => calibrateClass('bottle', [{ score: 0.2, map: map(1) }], { fpr: 0 })).toThrow(/above 0 and below 1, got 0/);
    expect(() => calibrateClass('bottle', [{ score: Number.NaN, map: map(1) }], { fpr: 0.1 })).toThrow(/image 0 has score NaN/);
  });
});

describe('stored calibration', () => {
  const calibration: Calibration = { version: 1, domain: 'industrial', size: 2, classes: { tile: { image: 0.5, pixel: 0.25, method: 'fpr', fpr: 0.05, normal: 8, anomalous: 0 } } };
  it('round-trips through a checkpoint and gives verdicts and masks', () => {
    const bytes = encodeCheckpoint({ adapters: new Map([['image_adapter.0.weight', { shape: [1], data: map(1) }]]), anchors: new Map(), calibration });
    const back = decodeCheckpoint(bytes, 'cal.safetensors');
    expect(back.calibration).toEqual(calibration);
    expect(back.extra?.[CALIBRATION_METADATA_KEY]).toBeUndefined();
    const t = back.calibration!.classes.tile!;
    expect(applyThresholds(t, 0.5, map(0.1, 0.25, 0.3, 0))).toEqual({ isAnomalous: true, defectMask: Uint8Array.from([0, 1, 1, 0]) });
    expect(applyThresholds(t, 0.49, map(0)).isAnomalous).toBe(false);
  });
  it('names the file and key of a malformed calibration', () => {
    expect(() => parseCalibration('{', 'm.safetensors')).toThrow(/m\.safetensors: metadata key "aaclip\.calibration" is not valid JSON/);
    expect(() => parseCalibration('{"version":1,"domain":"industrial","classes":{"a":{"image":"x","pixel":1}}}', 'm.safetensors')).toThrow(/class "a" needs finite/);
  });
});

// The result lines of `aaclip detect`: a header naming every column, one row per image.

export interface DetectResult {
  /** The image as given on the command line. */
  input: string;
  /** Its canonical path. */
  image: string;
  overlay: string;
  /** (det . a_abnormal + 1) / 2 */
  imageScore: number;
  /** Maximum of the probability map. */
  mapMax: number;
  /** industrial: 0.5 * mapMax + 0.5 * imageScore; medical: mapMax. */
  score: number;
  /** With --threshold, or thresholds stored by `aaclip calibrate`: DEFECT when score >= threshold. */
  verdict?: 'OK' | 'DEFECT';
  /** With --masks: the binary defect mask PNG. */
  defectMask?: string;
  /** With a calibrated pixel threshold: the fraction of the map's pixels at or above it. */
  defectArea?: number;
}

/** The verdict field for a score, when a threshold is given. */
export function verdictOf(score: number, threshold: number | undefined): Pick<DetectResult, 'verdict'> {
  return threshold === undefined ? {} : { verdict: score >= threshold ? 'DEFECT' : 'OK' };
}

/**
 * A table with labelled columns: image, score, image score, map max, (verdict when a threshold
 * is given or stored; `source` says which), overlay.
 *
 * @example
 * formatResultTable(results, 0.5, (p) => p);
 * // image   score   image score  map max  verdict (score >= 0.5)  overlay
 * // ok.png  0.2338  0.4636       0.0039   OK                      out/ok.overlay.png
 */
export function formatResultTable(results: readonly DetectResult[], threshold: number | undefined, showPath: (p: string) => string, source?: string): string {
  const header = ['image', 'score', 'image score', 'map max', ...(threshold !== undefined ? [`verdict (${source ? `${source}: ` : ''}score >= ${threshold})`] : []), 'overlay'];
  const rows = results.map((r) => [r.input, r.score.toFixed(4), r.imageScore.toFixed(4), r.mapMax.toFixed(4), ...(threshold !== undefined ? [r.verdict ?? ''] : []), showPath(r.overlay)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

// Small text formatters shared by the Markdown and HTML reports.

/**
 * A duration for humans: '0.42 s', '12.3 s', '3 min 05 s', '2 h 04 min'.
 *
 * @example
 * formatDuration(185); // '3 min 05 s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return String(seconds);
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/**
 * An anomaly score with 4 significant digits ('0.8123', '12.35', '1.235e-5').
 *
 * @example
 * formatScore(0.812345); // '0.8123'
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return String(score);
  const a = Math.abs(score);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return score.toExponential(3);
  return String(Number.parseFloat(score.toPrecision(4)));
}

/** 'normal' for label 0, 'anomalous' for label 1. */
export function labelName(label: 0 | 1): 'normal' | 'anomalous' {
  return label === 1 ? 'anomalous' : 'normal';
}

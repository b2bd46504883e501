// The per-class evaluation is @aaclip/core's (eval/evaluate-class.ts: backend-free); the CLI adds
// the PNG overlays of its reports' best and worst cases.
import { makeOverlayPng } from '@aaclip/backend-node';
import { evaluateClass as evaluateClassInCore, type ClassEvaluation } from '@aaclip/core/metrics';

export { averageMetrics, detectorHead } from '@aaclip/core/metrics';
export type { ClassEvaluation, EvalHead, EvalSample } from '@aaclip/core/metrics';

type Args = Parameters<typeof evaluateClassInCore>;

/** `evaluateClass` of @aaclip/core, with the report's overlays drawn as PNGs. */
export function evaluateClass(
  model: Args[0],
  className: string,
  domain: Args[2],
  count: number,
  getSample: Args[4],
  opts: Omit<NonNullable<Args[5]>, 'renderOverlay'> = {},
): Promise<ClassEvaluation> {
  return evaluateClassInCore(model, className, domain, count, getSample, {
    ...opts,
    renderOverlay: (rgb, size, map, mask, range) => makeOverlayPng(rgb, size, size, map, mask, range),
  });
}

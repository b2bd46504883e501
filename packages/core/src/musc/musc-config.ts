// MuSc's configuration (configs/musc.yaml and models/musc.py of xrli-U/MuSc) and its checks.
import { mulberry32 } from '../aaclip/aaclip-model';
import { assertDegree, DEFAULT_R_LIST } from './lnamd';
import { msmInterval } from './msm';
import { RSCIN_K_LIST } from './rscin';

export interface MuscConfig {
  /** LNAMD aggregation degrees. Default (1, 3, 5). */
  rList: readonly number[];
  /** RsCIN neighbourhood sizes: (1, 2, 3) MVTec AD, (1, 8, 9) VisA; a 0 turns RsCIN off. Default MVTec's. */
  kList: readonly number[];
  /** MSM interval average: ranks int((N-1) topminMin) .. int((N-1) topminMax) - 1 of the N - 1 others. Defaults 0 and 0.3. */
  topminMin: number;
  topminMax: number;
  /**
   * Split the batch into this many subsets, each scored on its own (the official `divide_num`:
   * MSM's cost falls by this factor); RsCIN still runs over the whole batch. Default 1.
   */
  divideNum: number;
  /** Seed of the subset shuffle (the official `random_seed`). Default 0. */
  seed: number;
  /** Images multiplied against one image at once in MSM (see MsmOptions.pairBlock). Default 4. */
  pairBlock: number;
}

export const DEFAULT_MUSC_CONFIG: Readonly<MuscConfig> = {
  rList: DEFAULT_R_LIST,
  kList: RSCIN_K_LIST.mvtec,
  topminMin: 0,
  topminMax: 0.3,
  divideNum: 1,
  seed: 0,
  pairBlock: 4,
};

/**
 * The residual-stream levels MuSc reads (1-based blocks, class token first, before ln_post):
 * 5, 11, 17, 23 of a 24-block ViT-L-14 (the official `feature_layers`); other depths the same
 * fractions of theirs, rounded.
 */
export function defaultMuscLayers(depth: number): number[] {
  if (depth === 24) return [5, 11, 17, 23];
  return [5, 11, 17, 23].map((b) => Math.min(depth, Math.max(1, Math.round((b * depth) / 24))));
}

/** Defaults filled in and every field checked; errors name the field. */
export function resolveMuscConfig(partial: Partial<MuscConfig> = {}): MuscConfig {
  const c: MuscConfig = { ...DEFAULT_MUSC_CONFIG, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
  if (!Array.isArray(c.rList) || c.rList.length === 0) throw new Error('MuSc: rList must list at least one aggregation degree');
  for (const r of c.rList) assertDegree(r, 'rList');
  if (!Array.isArray(c.kList) || c.kList.length === 0) throw new Error('MuSc: kList must list at least one k (0 turns RsCIN off)');
  for (const k of c.kList) if (!Number.isInteger(k) || k < 0) throw new Error(`MuSc: kList entries must be whole numbers >= 0, got ${String(k)}`);
  msmInterval(1, c.topminMin, c.topminMax); // checks both
  if (!Number.isInteger(c.divideNum) || c.divideNum < 1) throw new Error(`MuSc: divideNum must be a whole number >= 1, got ${String(c.divideNum)}`);
  if (!Number.isInteger(c.seed)) throw new Error(`MuSc: seed must be a whole number, got ${String(c.seed)}`);
  if (!Number.isInteger(c.pairBlock) || c.pairBlock < 1) throw new Error(`MuSc: pairBlock must be a whole number >= 1, got ${String(c.pairBlock)}`);
  return c;
}

/**
 * The official `divide_num` split (datasets/mvtec.py, sub_datasets): within each group (the
 * official code groups by anomaly-type folder; one group when `groups` is absent) the images are
 * shuffled with the seed, cut into runs of `divideNum`, and subset d takes the d-th image of
 * every run. The shuffle is this SDK's seeded one (mulberry32), not Python's `random`, so the
 * subsets follow the official rule but are not the same images as an official run's.
 * Returns the indices of each subset.
 */
export function divideSubsets(n: number, divideNum: number, seed: number, groups?: readonly string[]): number[][] {
  if (groups && groups.length !== n) throw new Error(`MuSc: ${groups.length} group labels for ${n} images`);
  if (divideNum <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const byGroup = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups?.[i] ?? '';
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, (list = []));
    list.push(i);
  }
  const rand = mulberry32(seed);
  const subsets: number[][] = Array.from({ length: divideNum }, () => []);
  for (const list of byGroup.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    list.forEach((idx, t) => subsets[t % divideNum]!.push(idx));
  }
  return subsets.filter((s) => s.length > 0);
}

// The parity check of MuSc against the official code's outputs (a `musc-*` fixture: the fixture
// README's "MuSc" section): LNAMD per degree and layer, MSM, the mean maps, the upsampled map,
// score.max and RsCIN, from the fixture's stored tokens (the CLIP part is AA-CLIP's parity).
import { scoreMuscTokens } from '../musc/musc-scorer';
import { appendMuscImage, emptyMuscTokens } from '../musc/musc-tokens';
import { toFloat32, type NamedTensor, type TensorMap } from '../weights/named-tensor';
import type { WritableTensor } from '../weights/safetensors-writer';
import { compareParity } from './compare-parity';
import type { ParityExpectedJson, ParityResult } from './parity-types';

/** expected.json of a MuSc fixture. */
export interface MuscParityExpectedJson {
  config: {
    images: number;
    grid: number;
    width: number;
    embed: number;
    image_size: number;
    layers: number;
    r_list: number[];
    k_list: number[];
    topmin_min: number;
    topmin_max: number;
    seed?: number;
  };
  noise_floor: Record<string, number>;
}

/** True for a MuSc fixture's expected.json (its config lists r_list and k_list). */
export function isMuscFixture(ej: unknown): ej is MuscParityExpectedJson {
  const c = (ej as { config?: Record<string, unknown> } | null)?.config;
  return !!c && Array.isArray(c.r_list) && Array.isArray(c.k_list);
}

export interface MuscParityInput {
  expectedJson: MuscParityExpectedJson;
  /** inputs.safetensors: tokens.L0.., class_tokens (labels and masks are not read). */
  inputs: TensorMap;
  /** expected.safetensors */
  expected: TensorMap;
  /** Only compute outputs whose name starts with one of these prefixes. */
  only?: readonly string[];
}

/**
 * Computes every output of the MuSc fixture (names and sizes from its files) on the active tfjs
 * backend and compares each with the float64 reference at the README's tolerance. Every tensor it
 * creates is disposed before it returns.
 *
 * @example
 * const res = await computeMuscParity({ expectedJson, inputs, expected });
 */
export async function computeMuscParity(input: MuscParityInput): Promise<ParityResult> {
  const { config: c } = input.expectedJson;
  const get = (k: string): NamedTensor => {
    const t = input.inputs.get(k);
    if (!t) throw new Error(`parity: inputs.safetensors has no "${k}" (a MuSc fixture holds tokens.L0..L${c.layers - 1} and class_tokens)`);
    return t;
  };
  const cls = get('class_tokens');
  const [N, E] = cls.shape as [number, number];
  const layers = Array.from({ length: c.layers }, (_, l) => {
    const t = get(`tokens.L${l}`);
    if (t.shape.length !== 3 || t.shape[0] !== N) throw new Error(`parity: inputs tokens.L${l} has shape [${t.shape}], expected [${N}, 1 + G*G, C]`);
    return toFloat32(t, `inputs.tokens.L${l}`);
  });
  const [, T, C] = get('tokens.L0').shape as [number, number, number];
  const grid = Math.round(Math.sqrt(T - 1));
  const store = emptyMuscTokens(c.layers, grid, C, E);
  const clsData = toFloat32(cls, 'inputs.class_tokens');
  for (let i = 0; i < N; i++) {
    appendMuscImage(
      store,
      layers.map((d) => d.subarray(i * T * C, (i + 1) * T * C)),
      clsData.subarray(i * E, (i + 1) * E),
    );
  }
  const want = (name: string): boolean => !input.only || input.only.some((p) => name.startsWith(p));
  const outputs = new Map<string, WritableTensor>();
  await scoreMuscTokens(
    store,
    c.image_size,
    { rList: c.r_list, kList: c.k_list, topminMin: c.topmin_min, topminMax: c.topmin_max },
    { collect: (name, data, shape) => want(name) && outputs.set(name, { dtype: 'float32', shape, data }) },
  );
  const ej = { noise_floor: input.expectedJson.noise_floor, metrics: {} } as unknown as ParityExpectedJson;
  const rows = compareParity(outputs, input.expected, ej, input.inputs);
  return { rows, outputs, ok: rows.every((r) => r.ok) };
}

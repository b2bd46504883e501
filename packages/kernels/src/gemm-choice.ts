/** Which engine multiplies on tfjs-wasm: tfjs' XNNPACK, or this package's own GEMM. */
export type GemmChoice = 'xnnpack' | 'own';

/** The choice from an option, else the AACLIP_GEMM value, else 'own'; anything else is rejected. */
export function gemmChoice(option: string | undefined, env: string | undefined): GemmChoice {
  const pick = (v: string, where: string): GemmChoice => {
    const c = v.trim().toLowerCase();
    if (c !== 'xnnpack' && c !== 'own') throw new Error(`${where} must be 'xnnpack' or 'own', got ${JSON.stringify(v)}`);
    return c;
  };
  if (option !== undefined) return pick(option, 'the gemm option');
  if (env !== undefined && env.trim() !== '') return pick(env, 'AACLIP_GEMM');
  return 'own';
}

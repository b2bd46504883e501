import { MAX_THREADS } from './layout';

/**
 * The thread count from an option, else the AACLIP_THREADS environment value, else `fallback`
 * (the machine's parallelism). 0, negative numbers, fractions and non-numbers are rejected.
 */
export function resolveThreads(option: number | undefined, env: string | undefined, fallback: number): number {
  const check = (v: unknown, where: string): number => {
    const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new Error(`${where} must be a whole number of threads, 1 or more; got ${JSON.stringify(v)}`);
    }
    if (n > MAX_THREADS) throw new Error(`${where} is ${n}; the GEMM engine runs at most ${MAX_THREADS} threads`);
    return n;
  };
  if (option !== undefined) return check(option, 'the threads option');
  if (env !== undefined && env.trim() !== '') return check(env, 'AACLIP_THREADS');
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(fallback) || 1));
}

/*
 * What a thread (the calling one or a worker) runs for the job in the control block: the units
 * of a product (gemm-run.ts) or of an attention phase (attention-run.ts), by J_KIND.
 */
import { runAttention, runAttentionPrep } from './attention-run';
import { gemmModuleBytes, type KernelShape, type MicroKernel, type PackKernel } from './gemm-module';
import { runUnits, type UnitRunner } from './gemm-run';
import { J_KIND, KIND_ATTN, KIND_ATTN_PREP, KIND_GEMM, KIND_ROWS } from './layout';
import { rowsModuleBytes, type RowKernels } from './rows-module';
import { runRows } from './rows-run';
import { fusedWasmModuleBytes, type FusedWasmExports } from './tfjs/wasm-simd';
import { wasmApi, type WasmMemory } from './wasm-api';

export function runJob(ctl: Int32Array, r: UnitRunner): void {
  const kind = ctl[J_KIND]!;
  if (kind === KIND_GEMM) runUnits(ctl, r);
  else if (kind === KIND_ATTN_PREP) runAttentionPrep(ctl, r);
  else if (kind === KIND_ATTN) runAttention(ctl, r);
  else if (kind === KIND_ROWS) runRows(ctl, r);
  else throw new Error(`GEMM engine: unknown job kind ${kind}`);
}

/**
 * A thread's kernels on the engine's memory: the micro-kernels, `pack`, the row functions
 * (softmax) and the fused kernels' functions (LayerNorm, GELU, QuickGELU).
 */
export function instantiateThread(memory: WasmMemory, shape: KernelShape, maxPages: number, shared: boolean): { kernels: MicroKernel[]; pack: PackKernel; rows: RowKernels; fused: FusedWasmExports } {
  const api = wasmApi();
  if (!api) throw new Error('GEMM engine: this JavaScript engine has no WebAssembly');
  const inst = new api.Instance(new api.Module(gemmModuleBytes(shape, { shared, maxPages })), { env: { memory } });
  const rows = new api.Instance(new api.Module(rowsModuleBytes({ shared, maxPages })), { env: { memory } });
  // the fused kernels' module declares a 4 GiB maximum: the engine's (MAX_PAGES)
  const fused = new api.Instance(new api.Module(fusedWasmModuleBytes(shared)), { env: { memory } });
  return {
    kernels: Array.from({ length: shape.mr }, (_, i) => inst.exports[`k${i + 1}`] as MicroKernel),
    pack: inst.exports.pack as PackKernel,
    rows: rows.exports as unknown as RowKernels,
    fused: fused.exports as unknown as FusedWasmExports,
  };
}

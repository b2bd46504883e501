/*
 * What a thread (the calling one or a worker) runs for the job in the control block: the units
 * of a product (gemm-run.ts) or of an attention phase (attention-run.ts), by J_KIND.
 */
import { runAttention, runAttentionPrep } from './attention-run';
import { gemmModuleBytes, type KernelShape, type MicroKernel, type PackKernel } from './gemm-module';
import { runUnits, type UnitRunner } from './gemm-run';
import { J_KIND, KIND_ATTN, KIND_ATTN_PREP, KIND_GEMM } from './layout';
import { rowsModuleBytes, type RowKernels } from './rows-module';
import { wasmApi, type WasmMemory } from './wasm-api';

export function runJob(ctl: Int32Array, r: UnitRunner): void {
  const kind = ctl[J_KIND]!;
  if (kind === KIND_GEMM) runUnits(ctl, r);
  else if (kind === KIND_ATTN_PREP) runAttentionPrep(ctl, r);
  else if (kind === KIND_ATTN) runAttention(ctl, r);
  else throw new Error(`GEMM engine: unknown job kind ${kind}`);
}

/** A thread's kernels on the engine's memory: the micro-kernels, `pack`, and the row functions. */
export function instantiateThread(memory: WasmMemory, shape: KernelShape, maxPages: number, shared: boolean): { kernels: MicroKernel[]; pack: PackKernel; rows: RowKernels } {
  const api = wasmApi();
  if (!api) throw new Error('GEMM engine: this JavaScript engine has no WebAssembly');
  const inst = new api.Instance(new api.Module(gemmModuleBytes(shape, { shared, maxPages })), { env: { memory } });
  const rows = new api.Instance(new api.Module(rowsModuleBytes({ shared, maxPages })), { env: { memory } });
  return {
    kernels: Array.from({ length: shape.mr }, (_, i) => inst.exports[`k${i + 1}`] as MicroKernel),
    pack: inst.exports.pack as PackKernel,
    rows: rows.exports as unknown as RowKernels,
  };
}

/**
 * @aaclip/core/parity: every output of the model against the official PyTorch code's reference
 * fixtures (AA-CLIP and MuSc), computed from the fixture's bytes; the caller reads the files
 * (@aaclip/backend-node's `runParity`, the browser test).
 *
 * @example
 * import { computeParityFromBytes, formatParityTable } from '@aaclip/core/parity';
 */
export { formatParityTable } from './parity/compare-parity';
export { computeMuscParity, isMuscFixture } from './parity/musc-parity';
export type { MuscParityExpectedJson, MuscParityInput } from './parity/musc-parity';
export { computeParityFromBytes } from './parity/parity-from-bytes';
export type { ParityFileBytes } from './parity/parity-from-bytes';
export type { ParityExpectedJson, ParityInput, ParityResult, ParityRow } from './parity/parity-types';
export { computeParity } from './parity/run-parity';

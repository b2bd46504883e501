// Side effect only: registers tfjs-core's own gradient functions (tfjs-core's main entry
// registers none). Built as dist/register-gradients.js with tfjs-core's per-file ESM bundled in
// (Node cannot import those files: their imports have no extensions), and loaded by
// ensureGradients (backend.ts) only when training. The bundled modules find tfjs-core's one
// engine and its kernel and gradient registries through tfjs' global namespace, as tfjs-core
// is written to (getGlobal), so gradients registered here serve @tensorflow/tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

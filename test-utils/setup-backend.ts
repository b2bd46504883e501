// Selects the tfjs backend named by AACLIP_TEST_BACKEND before any test of the file runs,
// and registers every gradient (tfjs-core's main entry registers none; its own
// register_all_gradients does, as backend-node's ensureGradients).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll } from 'vitest';
import { setFusedKernelsEnabled } from '../packages/core/src/kernels/fused-ops';
// The fused kernels run in tests as in the SDK: registered on import, as backend-node's and
// backend-web's backends load them (from the kernels' build); AACLIP_FUSED=0 runs the composite
// ops instead.
import '@aaclip/kernels/tfjs';

if (process.env.AACLIP_FUSED === '0') setFusedKernelsEnabled(false);

beforeAll(async () => {
  const name = process.env.AACLIP_TEST_BACKEND ?? 'cpu';
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test backend "${name}" failed to initialise`);
  await tf.ready();
});

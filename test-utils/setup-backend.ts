// Selects the tfjs backend named by AACLIP_TEST_BACKEND before any test of the file runs,
// and registers every gradient (tfjs-core alone registers none).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

beforeAll(async () => {
  const name = process.env.AACLIP_TEST_BACKEND ?? 'cpu';
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test backend "${name}" failed to initialise`);
  await tf.ready();
});

// Test harness page (never shipped): runs @aaclip/core's computeParity, the function behind
// `npm run parity`, on the backend a test names, with the fixture files fetched from the test's
// server. Driven by packages/backend-web/src/parity.browser.test.ts.
import { ensureGradients, imageToRawImage, useWebBackend } from '@aaclip/backend-web';
import { computeMuscParity, computeParityFromBytes, type MuscParityExpectedJson } from '@aaclip/core/parity';
import { readSafetensors } from '@aaclip/core/weights';
import { type RawImage } from '@aaclip/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DecodedImage, MuscRunRequest, MuscRunResponse, ParityHook, ParityRunRequest, ParityRunResponse } from './harness-types';

const FLAGS = ['WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_CAPABLE', 'WEBGL_PACK', 'WEBGPU_MATMUL_PROGRAM_TYPE', 'WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT'];

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res;
}

const bytes = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetchOk(url)).arrayBuffer());

function plain(img: RawImage): DecodedImage {
  return { width: img.width, height: img.height, channels: img.channels, data: Array.from(img.data) };
}

function flags(): ParityRunResponse['flags'] {
  const out: ParityRunResponse['flags'] = {};
  for (const f of FLAGS) {
    try {
      out[f] = tf.env().get(f) as boolean | number | string;
    } catch {
      // a flag of a backend not loaded here
    }
  }
  return out;
}

async function run(req: ParityRunRequest): Promise<ParityRunResponse> {
  const report = await useWebBackend(req.backend, { wasmPaths: req.wasmPaths });
  for (const [k, v] of Object.entries(req.tfFlags ?? {})) tf.env().set(k, v);
  await ensureGradients();
  const t0 = performance.now();
  const f = (name: string): Promise<Uint8Array> => bytes(new URL(name, req.fixtureUrl).href);
  const [expectedJson, inputs, expected, weights, vocabGz, imageBlob, maskBlob, ...adapters] = await Promise.all([
    f('expected.json'),
    f('inputs.safetensors'),
    f('expected.safetensors'),
    f(req.weights ?? 'clip-openai.safetensors'),
    bytes(req.vocabUrl),
    fetchOk(new URL('preprocess-input.png', req.fixtureUrl).href).then((r) => r.blob()),
    fetchOk(new URL('preprocess-mask.png', req.fixtureUrl).href).then((r) => r.blob()),
    ...(req.adapters ?? ['adapters.safetensors']).map(f),
  ]);
  // createImageBitmap without colour-space conversion or premultiplication: the stored samples
  const image = await imageToRawImage(imageBlob as Blob);
  const mask = await imageToRawImage(maskBlob as Blob);
  const t1 = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const res = await computeParityFromBytes({
    expectedJson: expectedJson as Uint8Array,
    inputs: inputs as Uint8Array,
    expected: expected as Uint8Array,
    weights: weights as Uint8Array,
    adapters: adapters as Uint8Array[],
    vocabGz: vocabGz as Uint8Array,
    preprocess: { image, mask },
    only: req.only,
  });
  const t2 = performance.now();
  return {
    backend: report.tfjsName,
    rows: res.rows,
    fetchMs: t1 - t0,
    computeMs: t2 - t1,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    decoded: { image: plain(image), mask: plain(mask) },
    flags: flags(),
  };
}

/** The MuSc fixture through core's computeMuscParity, the function `npm run parity` runs on it. */
async function runMusc(req: MuscRunRequest): Promise<MuscRunResponse> {
  const report = await useWebBackend(req.backend, { wasmPaths: req.wasmPaths });
  for (const [k, v] of Object.entries(req.tfFlags ?? {})) tf.env().set(k, v);
  const f = (name: string): Promise<Uint8Array> => bytes(new URL(name, req.fixtureUrl).href);
  const [ej, inputs, expected] = await Promise.all([f('expected.json'), f('inputs.safetensors'), f('expected.safetensors')]);
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  const res = await computeMuscParity({
    expectedJson: JSON.parse(new TextDecoder().decode(ej)) as MuscParityExpectedJson,
    inputs: readSafetensors(inputs).tensors,
    expected: readSafetensors(expected).tensors,
  });
  return { backend: report.tfjsName, rows: res.rows, computeMs: performance.now() - t0, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

const hook: ParityHook = { run, runMusc };
(window as Window & { __aaclipParity?: ParityHook }).__aaclipParity = hook;

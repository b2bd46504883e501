#!/usr/bin/env node
// AA-CLIP anomaly detection from Node: loads a model (the demo model by default), detects
// anomalies in one image (or in a generated texture with a synthetic defect), writes an overlay
// PNG and prints the score.
//
//   npm run build                                   # once, at the repository root
//   node examples/node/detect.mjs                   # demo model, generated defect image
//   node examples/node/detect.mjs photo.png --class bottle \
//        --model ViT-L-14-336.pt --adapters text_adapter.pth image_adapter_20.pth \
//        --vocab bpe_simple_vocab_16e6.txt.gz --size 518
//
// Run with --help for every option.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { preprocessImage, toRgb } from '@aaclip/core';
import { addDefect, DEFECT_KINDS, generateTexture, TEXTURE_FAMILIES } from '@aaclip/synthetic';
import { createDetector, decodeImageFile, demoModelPath, encodePng, formatBackendReport, makeOverlayPng, useBackend } from '@aaclip/backend-node';

const DEMO_MODEL = demoModelPath();

const HELP = `usage: node examples/node/detect.mjs [image] [options]

Without an image, a texture with a synthetic defect is generated (its true mask is outlined
in green on the overlay).

  --class NAME        object class (default: the generated texture's family)
  --model FILE        CLIP weights or an aaclip model file (default: the demo model,
                      ${DEMO_MODEL})
  --adapters FILE...  AA-CLIP adapter checkpoints (default: those inside --model)
  --vocab FILE...     CLIP tokenizer files, for models without a tokenizer of their own
  --size N            model input size (default: the model's native size)
  --domain D          industrial (default) | medical
  --family NAME       generated texture: ${TEXTURE_FAMILIES.join(', ')} (default carpet)
  --defect KIND       generated defect: ${DEFECT_KINDS.join(', ')} (default missing)
  --seed N            generator seed (default 1)
  --scale S           overlay colours: image (default: blue to red over this image's anomaly
                      map, as AA-CLIP's visualisation normalises each map) | probability (0..1)
  --out DIR           output folder (default ./aaclip-example)
  --backend NAME      tfjs backend: cuda | native-cpu | wasm | cpu | auto (default: $AACLIP_BACKEND, else auto)
  -h, --help          this help`;

/** Prints `msg` and exits with `code` (2 for usage errors). */
function fail(msg, code = 2) {
  process.stderr.write(`detect.mjs: ${msg}\n`);
  process.exit(code);
}

function intArg(v, name, def, min) {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

let args;
try {
  const str = { type: 'string' };
  const list = { type: 'string', multiple: true };
  args = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      class: str, model: str, adapters: list, vocab: list, size: str, domain: str, family: str,
      defect: str, seed: str, out: str, backend: str, scale: str, help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(`${e.message}\n\n${HELP}`);
}
const { values, positionals } = args;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (positionals.length > 1) fail(`give at most one image, got ${positionals.length}: ${positionals.join(', ')}`);
const imagePath = positionals[0];
if (imagePath !== undefined && !existsSync(imagePath)) fail(`image not found: ${imagePath}`);
const modelPath = values.model ?? DEMO_MODEL;
if (!existsSync(modelPath)) {
  fail(values.model ? `model file not found: ${modelPath}` : `the demo model is missing (${modelPath}); build it with \`node scripts/train-demo-model.mjs\` or pass --model`);
}
const family = values.family ?? 'carpet';
if (!TEXTURE_FAMILIES.includes(family)) fail(`--family must be one of ${TEXTURE_FAMILIES.join(', ')}, got "${family}"`);
const defect = values.defect ?? 'missing';
if (!DEFECT_KINDS.includes(defect)) fail(`--defect must be one of ${DEFECT_KINDS.join(', ')}, got "${defect}"`);
const domain = values.domain ?? 'industrial';
if (domain !== 'industrial' && domain !== 'medical') fail(`--domain must be industrial or medical, got "${domain}"`);
const className = values.class ?? (imagePath === undefined ? family : undefined);
if (!className || !className.trim()) fail('--class NAME is required with an image of your own (e.g. --class bottle)');
const seed = intArg(values.seed, 'seed', 1, 0);
const outDir = resolve(values.out ?? 'aaclip-example');
const scale = values.scale ?? 'image';
if (scale !== 'image' && scale !== 'probability') fail(`--scale must be image or probability, got "${scale}"`);

const backend = await useBackend(values.backend);
console.error(formatBackendReport(backend));
const t0 = performance.now();
// the backend selected above is kept (no `device` given)
const detector = await createDetector({ model: modelPath, adapters: values.adapters, vocab: values.vocab, domain });
const loadMs = performance.now() - t0;
try {
  const size = intArg(values.size, 'size', detector.config.vision.imageSize, detector.config.vision.patchSize);
  let raw;
  let mask = null;
  if (imagePath === undefined) {
    const made = addDefect(generateTexture(family, size, seed), defect, seed);
    raw = made.image;
    mask = made.mask;
  } else {
    raw = await decodeImageFile(imagePath);
  }
  const t1 = performance.now();
  const input = tf.tensor4d(preprocessImage(raw, size), [1, size, size, 3]);
  let det;
  try {
    [det] = await detector.detect(input, { className, domain });
  } finally {
    input.dispose();
  }
  const detectMs = performance.now() - t1;

  mkdirSync(outDir, { recursive: true });
  const rgb = toRgb(raw);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of det.anomalyMap) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const overlay = scale === 'image'
    ? await makeOverlayPng(rgb.data, rgb.width, rgb.height, det.anomalyMap, mask, { min: lo, max: hi, opacity: 0.5 })
    : await makeOverlayPng(rgb.data, rgb.width, rgb.height, det.probabilityMap, mask, { min: 0, max: 1, opacity: 0.5 });
  const overlayPath = join(outDir, 'overlay.png');
  await writeFile(overlayPath, overlay);
  if (mask) await writeFile(join(outDir, 'input.png'), await encodePng(raw));

  let maskLine = '';
  if (mask) {
    // the generated image's true mask, at model resolution (nearest), against the map
    let inSum = 0;
    let inN = 0;
    let outSum = 0;
    for (let y = 0; y < det.size; y++) {
      for (let x = 0; x < det.size; x++) {
        const m = mask[Math.floor(((y + 0.5) * raw.height) / det.size) * raw.width + Math.floor(((x + 0.5) * raw.width) / det.size)];
        const v = det.anomalyMap[y * det.size + x];
        if (m) (inSum += v), inN++;
        else outSum += v;
      }
    }
    const n = det.size * det.size;
    maskLine = `\nmean anomaly map: ${(inSum / inN).toFixed(4)} on the defect (${((100 * inN) / n).toFixed(1)} % of the image), ${(outSum / (n - inN)).toFixed(4)} elsewhere`;
  }
  const source = imagePath ?? `generated ${family} texture, ${defect} defect (seed ${seed}), saved as ${join(outDir, 'input.png')}`;
  console.log(
    `image:   ${source}\nclass:   ${className} (${domain})\nscore:   ${det.score.toFixed(4)}  (image ${det.imageScore.toFixed(4)}, map max ${det.mapMax.toFixed(4)})${maskLine}\n` +
      `overlay: ${overlayPath} (${scale === 'image' ? `blue ${lo.toFixed(2)} to red ${hi.toFixed(2)}, this image's anomaly map` : 'probability 0 to 1'})\ntime:    model ${(loadMs / 1000).toFixed(2)} s, detection ${(detectMs / 1000).toFixed(2)} s on ${backend.active}`,
  );
} finally {
  await detector.dispose();
}

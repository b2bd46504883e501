import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { overlayHeatmap, preprocessImage, resizeBicubicPil, toRgb, type Detection, type Domain } from '@aaclip/core';
import { backendReport } from '../backend';
import { writeFileAtomic } from '../fs-utils';
import { decodeImageFile, encodePng } from '../image-io';
import { loadDetector } from '../model-bundle';
import { createDetectorPool } from '../pool/detector-pool';
import { parseCliArgs } from '../cli-args';
import { COMMON_HELP, COMMON_OPTIONS, CliError, intOption, numOption, setup } from './common';
import { Progress } from './progress';

export const DETECT_HELP = `aaclip detect <images...> --class NAME [options]

Finds and localises anomalies: writes an overlay PNG per image and scores.json.

  --class NAME        object class (e.g. bottle); prompts use its real name
  --model FILE        CLIP weights or an aaclip model file (default: the demo model)
  --adapters FILE...  adapter checkpoints (ours, or text_adapter.pth image_adapter_N.pth)
  --vocab FILE...     CLIP tokenizer files if the model has no tokenizer of its own
  --dataset NAME      class-name table to use (mvtec, visa, mpdd, btad, ...)
  --domain D          industrial (default) | medical
  --size N            input size in pixels (default: the model's native size)
  --out DIR           output folder (default ./aaclip-detect)
  --opacity X         overlay opacity 0..1 (default 0.5)
  --scale S           overlay colours: image (default: blue to red over each image's anomaly
                      map, as AA-CLIP's visualisation normalises each map) | probability (0..1)
  --force             overwrite existing outputs
  --resume            skip images whose overlay already exists
  --on-error E        skip | stop (default stop) for unreadable images
  --workers N         worker threads, each with its own wasm/cpu backend and copy of the
                      weights (default 1: this thread); same results, N x the memory
${COMMON_HELP}`;

export async function detectCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    class: 'string',
    model: 'string',
    adapters: 'list',
    vocab: 'list',
    dataset: 'string',
    domain: 'string',
    size: 'string',
    out: 'string',
    opacity: 'string',
    scale: 'string',
    force: 'boolean',
    resume: 'boolean',
    'on-error': 'string',
    workers: 'string',
  }, { h: 'help' });
  if (values.help) {
    console.log(DETECT_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new CliError(`detect: give at least one image\n\n${DETECT_HELP}`, 2);
  const className = values.class as string | undefined;
  if (!className || !className.trim()) throw new CliError('detect: --class NAME is required (e.g. --class bottle)', 2);
  const domain = (values.domain as Domain | undefined) ?? 'industrial';
  if (domain !== 'industrial' && domain !== 'medical') throw new CliError(`detect: --domain must be industrial or medical, got "${domain}"`, 2);
  for (const p of positionals) if (!existsSync(p)) throw new CliError(`detect: image not found: ${p}`, 2);
  const opacity = numOption(values.opacity, 'opacity', 0.5);
  const scale = (values.scale as string | undefined) ?? 'image';
  if (scale !== 'image' && scale !== 'probability') throw new CliError(`detect: --scale must be image or probability, got "${scale}"`, 2);
  const onError = (values['on-error'] as string | undefined) ?? 'stop';
  if (onError !== 'skip' && onError !== 'stop') throw new CliError(`detect: --on-error must be skip or stop, got "${onError}"`, 2);
  let workers = intOption(values.workers, 'workers', 1, 1);
  const skipped: { image: string; reason: string }[] = [];
  const ctx = await setup(values);
  const active = backendReport()?.active ?? 'wasm';
  if (workers > 1 && active !== 'wasm' && active !== 'cpu') {
    ctx.log(`warning: --workers needs the wasm or cpu backend (the ${active} backend is multi-threaded already); using one detector`);
    workers = 1;
  }
  const outDir = resolve((values.out as string | undefined) ?? 'aaclip-detect');
  const scoresPath = join(outDir, 'scores.json');
  if (existsSync(scoresPath) && !values.force && !values.resume) throw new CliError(`detect: ${scoresPath} exists (use --force to overwrite or --resume to continue)`, 2);
  const model = (values.model as string | undefined) ?? defaultModel();
  const prompts = { dataset: values.dataset as string | undefined };
  const onWarning = (message: string): void => ctx.log(`warning: ${message}`);
  // one detector on this thread, or a pool of worker threads: same results either way
  let run: (inputs: Float32Array[], size: number) => Promise<Detection[]>;
  let close: () => Promise<void> | void;
  let config;
  if (workers > 1) {
    const pool = await createDetectorPool({ model, adapters: values.adapters as string[] | undefined, vocab: values.vocab as string[] | undefined, workers, backend: active as 'wasm' | 'cpu', prompts, domain, onWarning });
    run = (inputs) => pool.detect(inputs, { className, domain });
    close = () => pool.dispose();
    config = pool.config;
  } else {
    const { detector, bundle } = await loadDetector({ model, adapters: values.adapters as string[] | undefined, vocab: values.vocab as string[] | undefined, prompts: { ...prompts, onWarning: (w) => onWarning(w.message) }, domain });
    run = async (inputs, size) => {
      const all = new Float32Array(inputs.length * size * size * 3);
      inputs.forEach((x, i) => all.set(x, i * size * size * 3));
      const input = tf.tensor4d(all, [inputs.length, size, size, 3]);
      try {
        return await detector.detect(input, { className, domain });
      } finally {
        input.dispose();
      }
    };
    close = () => detector.dispose();
    config = bundle.config;
  }
  const size = intOption(values.size, 'size', config.vision.imageSize, config.vision.patchSize);
  const results: { image: string; overlay: string; imageScore: number; mapMax: number; score: number }[] = [];
  const bar = new Progress('detect', positionals.length, { quiet: ctx.quiet });
  // images are decoded a chunk at a time (two per worker), then detected together
  const chunk = workers > 1 ? 2 * workers : 1;
  try {
    for (let c0 = 0; c0 < positionals.length; c0 += chunk) {
      const decoded: { path: string; raw: Awaited<ReturnType<typeof decodeImageFile>> }[] = [];
      for (const path of positionals.slice(c0, c0 + chunk)) {
        try {
          decoded.push({ path, raw: await decodeImageFile(path) });
        } catch (e) {
          if (onError === 'stop') throw new CliError(`detect: ${(e as Error).message} (use --on-error skip to go on)`, 1);
          skipped.push({ image: resolve(path), reason: (e as Error).message });
          ctx.log(`warning: skipped ${path}: ${(e as Error).message}`);
          bar.tick(1, `${basename(path)} skipped`);
        }
      }
      if (decoded.length === 0) continue;
      const dets = await run(decoded.map((d) => preprocessImage(d.raw, size)), size);
      for (let i = 0; i < decoded.length; i++) {
        const { path, raw } = decoded[i]!;
        const det = dets[i]!;
        const overlayPath = join(outDir, `${basename(path, extname(path))}.overlay.png`);
        if (!(values.resume && existsSync(overlayPath))) {
          const rgb = resizeBicubicPil(toRgb(raw), size, size);
          const over = scale === 'image' ? overlayHeatmap(rgb.data, det.anomalyMap, { opacity }) : overlayHeatmap(rgb.data, det.probabilityMap, { opacity, min: 0, max: 1 });
          await writeFileAtomic(overlayPath, await encodePng({ width: size, height: size, channels: 3, data: over }), { overwrite: true });
        }
        results.push({ image: resolve(path), overlay: overlayPath, imageScore: det.imageScore, mapMax: det.mapMax, score: det.score });
        bar.tick(1, `${basename(path)} score ${det.score.toFixed(3)}`);
      }
    }
  } finally {
    await close();
  }
  bar.finish();
  const doc = { className, domain, size, model: (values.model as string | undefined) ?? 'demo', results, skipped };
  await writeFileAtomic(scoresPath, `${JSON.stringify(doc, null, 2)}\n`, { overwrite: true });
  if (ctx.json) console.log(JSON.stringify(doc));
  else for (const r of results) console.log(`${r.score.toFixed(4)}  image ${r.imageScore.toFixed(4)}  map max ${r.mapMax.toFixed(4)}  ${r.image} -> ${r.overlay}`);
  return 0;
}

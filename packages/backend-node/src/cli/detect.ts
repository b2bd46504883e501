import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { overlayHeatmap, preprocessImage, resizeBicubicPil, toRgb, type Domain } from '@aaclip/core';
import { writeFileAtomic } from '../fs-utils';
import { decodeImageFile, encodePng } from '../image-io';
import { loadDetector } from '../model-bundle';
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
  --force             overwrite existing outputs
  --resume            skip images whose overlay already exists
  --on-error E        skip | stop (default stop) for unreadable images
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
    force: 'boolean',
    resume: 'boolean',
    'on-error': 'string',
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
  const onError = (values['on-error'] as string | undefined) ?? 'stop';
  if (onError !== 'skip' && onError !== 'stop') throw new CliError(`detect: --on-error must be skip or stop, got "${onError}"`, 2);
  const skipped: { image: string; reason: string }[] = [];
  const ctx = await setup(values);
  const outDir = resolve((values.out as string | undefined) ?? 'aaclip-detect');
  const scoresPath = join(outDir, 'scores.json');
  if (existsSync(scoresPath) && !values.force && !values.resume) throw new CliError(`detect: ${scoresPath} exists (use --force to overwrite or --resume to continue)`, 2);
  const { detector, bundle } = await loadDetector({
    model: (values.model as string | undefined) ?? defaultModel(),
    adapters: values.adapters as string[] | undefined,
    vocab: values.vocab as string[] | undefined,
    prompts: { dataset: values.dataset as string | undefined, onWarning: (w) => ctx.log(`warning: ${w.message}`) },
    domain,
  });
  const size = intOption(values.size, 'size', bundle.config.vision.imageSize, bundle.config.vision.patchSize);
  const results: { image: string; overlay: string; imageScore: number; mapMax: number; score: number }[] = [];
  const bar = new Progress('detect', positionals.length, { quiet: ctx.quiet });
  try {
    for (const path of positionals) {
      const overlayPath = join(outDir, `${basename(path, extname(path))}.overlay.png`);
      let raw;
      try {
        raw = await decodeImageFile(path);
      } catch (e) {
        if (onError === 'stop') throw new CliError(`detect: ${(e as Error).message} (use --on-error skip to go on)`, 1);
        skipped.push({ image: resolve(path), reason: (e as Error).message });
        ctx.log(`warning: skipped ${path}: ${(e as Error).message}`);
        bar.tick(1, `${basename(path)} skipped`);
        continue;
      }
      const input = tf.tensor4d(preprocessImage(raw, size), [1, size, size, 3]);
      let det;
      try {
        [det] = await detector.detect(input, { className, domain });
      } finally {
        input.dispose();
      }
      if (!(values.resume && existsSync(overlayPath))) {
        const rgb = resizeBicubicPil(toRgb(raw), size, size);
        const over = overlayHeatmap(rgb.data, det!.probabilityMap, { opacity, min: 0, max: 1 });
        await writeFileAtomic(overlayPath, await encodePng({ width: size, height: size, channels: 3, data: over }), { overwrite: true });
      }
      results.push({ image: resolve(path), overlay: overlayPath, imageScore: det!.imageScore, mapMax: det!.mapMax, score: det!.score });
      bar.tick(1, `${basename(path)} score ${det!.score.toFixed(3)}`);
    }
  } finally {
    detector.dispose();
  }
  bar.finish();
  const doc = { className, domain, size, model: (values.model as string | undefined) ?? 'demo', results, skipped };
  await writeFileAtomic(scoresPath, `${JSON.stringify(doc, null, 2)}\n`, { overwrite: true });
  if (ctx.json) console.log(JSON.stringify(doc));
  else for (const r of results) console.log(`${r.score.toFixed(4)}  image ${r.imageScore.toFixed(4)}  map max ${r.mapMax.toFixed(4)}  ${r.image} -> ${r.overlay}`);
  return 0;
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { normalizeClip } from '@aaclip/core';
import { generateDataset, TEXTURE_FAMILIES, type TextureFamily } from '@aaclip/synthetic';
import { backendReport } from '@aaclip/backend-node';
import { parseCliArgs } from '../cli-args';
import { averageMetrics, evaluateClass } from '../evaluate';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { openSafetensorsFile } from '@aaclip/backend-node';
import { formatMetricTable, writeEvaluationReport } from '../report/index';
import { COMMON_HELP, COMMON_OPTIONS, commonFlags, lockOut, requireFile, startBackend, usage } from './common';
import { intFlag, numFlag } from './flags';
import { checkMuscBatch, HEAD_HELP, HEAD_OPTIONS, headFlags, type HeadFlags } from './head-flags';
import { loadHead, stackImages } from './heads';
import { Progress } from '@aaclip/backend-node/tools';

export const DEMO_HELP = `aaclip demo [--out DIR] [options]

The whole job offline, on the embedded demo model: generates synthetic textures of families
the model never saw during training, with exact defect masks, runs detection, prints the
metric table and writes heatmaps and the HTML report to DIR (default ./aaclip-demo).

  --model FILE       another model file (default: the embedded demo model)
  --families A,B     texture families (default: those the model was not trained on)
  --per-family N     normal and anomalous images per family, 1 to 1000 (default 24 + 24)
  --bar X            pass mark for the average image and pixel AUROC, 0 to 1 (default 0.90)
  --force            overwrite an existing report in DIR
${HEAD_HELP}
  --shots K          few-shot: K generated normal textures per family (other seeds than the
                     test images) become the normal references
${COMMON_HELP}

The demo model is a small CLIP-shaped network trained by this project's own trainer on
synthetic textures; it is not CLIP and knows nothing about real objects. For real data use
OpenAI's ViT-L-14-336 weights (see the README).`;

export async function demoCommand(argv: string[], defaultModel: () => string): Promise<number> {
  const { values } = parseCliArgs(argv, { ...COMMON_OPTIONS, ...HEAD_OPTIONS, out: 'string', model: 'string', families: 'string', 'per-family': 'string', bar: 'string', force: 'boolean' }, { positionals: false });
  if (values.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const ctx = commonFlags(values);
  const perFamily = intFlag(values, 'per-family', 24, 1, 1000);
  const bar = numFlag(values, 'bar', 0.9, 0, 1);
  const head = headFlags(values);
  if (values.normal !== undefined) throw usage('--normal is for real images (aaclip detect / eval); the demo generates its references with --shots K');
  checkMuscBatch(2 * perFamily, head, 'images per family (--per-family N gives N + N)');
  const asked = values.families ? String(values.families).split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const f of asked ?? []) if (!(TEXTURE_FAMILIES as readonly string[]).includes(f)) throw usage(`--families: unknown family ${JSON.stringify(f.slice(0, 40))} (known: ${TEXTURE_FAMILIES.join(', ')})`);
  const outDir = resolve((values.out as string | undefined) ?? 'aaclip-demo');
  if (existsSync(join(outDir, 'report.json')) && !values.force) throw usage(`a report exists in ${outDir} (use --force to overwrite)`);
  const modelPath = (values.model as string | undefined) ?? defaultModel();
  requireFile(modelPath, 'model');
  const release = lockOut(outDir, 'demo');
  try {
    await startBackend(ctx);
    return await runDemo(ctx, modelPath, outDir, asked, perFamily, bar, head);
  } finally {
    release();
  }
}

async function runDemo(ctx: ReturnType<typeof commonFlags>, modelPath: string, outDir: string, asked: string[] | null, perFamily: number, bar: number, head: HeadFlags): Promise<number> {
  const t0 = Date.now();
  const detector = await loadHead({ method: head.method, topminMax: head.topminMax, model: modelPath, domain: 'industrial', onWarning: (m) => ctx.log(`warning: ${m}`) });
  const file = openSafetensorsFile(modelPath); // the metadata: the families the demo model was trained on
  const bundle = { metadata: file.metadata, config: detector.config };
  file.close();
  const headName = `${head.method === 'musc' ? 'MuSc' : 'AA-CLIP'}${head.shots ? ` + ${head.shots}-shot normal references` : ''}`;
  const trained = JSON.parse(bundle.metadata.demo_train_families ?? '[]') as string[];
  const families = (asked ?? TEXTURE_FAMILIES.filter((f) => !trained.includes(f))) as TextureFamily[];
  const unseen = families.filter((f) => !trained.includes(f));
  const size = bundle.config.vision.imageSize;
  ctx.log(`demo model ${modelPath}: trained on ${trained.join(', ') || '(unknown)'}; evaluating ${headName} on ${families.join(', ')} (${unseen.length} unseen) at ${size} px`);
  const results = [];
  try {
    for (const family of families) {
      const samples = generateDataset({ families: [family], size, perFamily: { normal: perFamily, anomalous: perFamily }, seed: ctx.seed + 2024 });
      if (head.shots) {
        // references: normal textures of the family from seeds the test images do not use
        const refs = generateDataset({ families: [family], size, perFamily: { normal: head.shots, anomalous: 0 }, seed: ctx.seed + 7919 });
        const t = stackImages(refs.map((r) => normalizeClip(r.image)), size); // [K, S, S, 3]
        try {
          await detector.addNormals(family, t);
        } finally {
          t.dispose();
        }
      }
      const progress = new Progress(`demo ${family}`, samples.length, { quiet: ctx.quiet });
      const r = await evaluateClass(detector, family, 'industrial', samples.length, async (i) => {
        const s = samples[i]!;
        return { image: normalizeClip(s.image), rgb: s.image.data, mask: s.mask, label: s.label, path: `synthetic/${family}/${s.label ? s.defect : 'good'}-${s.seed}` };
      }, { batchSize: 8, onImage: () => progress.tick() });
      progress.finish();
      results.push(r);
      // heatmaps of the anomalous images of this family
      for (const c of r.report.worst.concat(r.report.best)) {
        await writeFileAtomic(join(outDir, 'heatmaps', `${family}-${c.imagePath.split('/').pop()}.png`), c.overlayPng, { overwrite: true });
      }
    }
  } finally {
    detector.dispose();
  }
  const average = averageMetrics(results.map((r) => r.report.metrics));
  const seconds = (Date.now() - t0) / 1000;
  const written = await writeEvaluationReport(outDir, {
    title: `${headName} offline demo: synthetic textures the model never saw`,
    createdAt: new Date().toISOString(),
    model: { model: modelPath, imageSize: size, trainedOn: trained.join(', '), note: 'small CLIP-shaped network trained on synthetic textures; not OpenAI CLIP' },
    dataset: { root: 'synthetic (generated)', format: `${families.length} families x ${perFamily} normal + ${perFamily} anomalous` },
    classes: results.map((r) => r.report),
    average,
    runtime: { seconds, backend: backendReport()?.active ?? 'unknown' },
  }, { force: true });
  const pass = average.imageAuroc >= bar && average.pixelAuroc >= bar;
  if (ctx.json) console.log(JSON.stringify({ method: head.method, shots: head.shots ?? 0, families, unseen, average, pass, bar, seconds, report: written }));
  else {
    console.log(`${headName}:`);
    console.log(formatMetricTable(results.map((r) => ({ name: r.report.className, metrics: r.report.metrics })), average));
    console.log(`\nimage AUROC ${(average.imageAuroc * 100).toFixed(1)}, pixel AUROC ${(average.pixelAuroc * 100).toFixed(1)} on ${unseen.length} unseen families: ${pass ? 'PASS' : 'BELOW'} the ${(bar * 100).toFixed(0)} bar`);
    console.log(`report: ${written.html}\nheatmaps: ${join(outDir, 'heatmaps')}\n(${seconds.toFixed(1)} s)`);
  }
  return pass ? 0 : 1;
}

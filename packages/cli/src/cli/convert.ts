import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AAClipModel, AnchorCache, formatAAClipCard, parseModelRef } from '@aaclip/core';
import { CHECKPOINT_FORMAT, normalizeClipStateDict, writeSafetensors, type WritableTensor } from '@aaclip/core/weights';
import { parseCliArgs } from '../cli-args';
import { removeStaleTemps, writeFileAtomic } from '@aaclip/backend-node/tools';
import { loadBundle, TOKENIZER_METADATA_KEY } from '@aaclip/backend-node';
import { readWeightFile } from '@aaclip/backend-node';
import { COMMON_HELP, COMMON_OPTIONS, commonFlags, requireFile, startBackend, usage, userMessage } from './common';
import { intFlag, requiredFlag } from './flags';
import { vocabIgnoredWarning } from './model-peek';
import { canonical } from './output-names';

export const CONVERT_HELP = `aaclip convert <weights> --out FILE.safetensors [options]

Converts OpenAI (.pt, TorchScript), open_clip or Hugging Face CLIP weights into one aaclip
model file: OpenAI-layout safetensors with the config in its metadata, optionally with
adapters and precomputed anchors, optionally without the text tower.

  --out FILE          output .safetensors (never overwritten without --force)
  --fp16              store weights as float16 (half the size; loaded as float32)
  --adapters FILE     include adapters (our checkpoint or the official .pth files); repeat
                      the flag (or separate with commas) for several
  --anchors CLASSES   precompute anchors for these comma-separated classes (needs a tokenizer)
  --dataset NAME      class-name table for the anchors (mvtec, visa, ...)
  --vocab FILE        CLIP tokenizer file(s) (bpe_simple_vocab_16e6.txt.gz or HF files; repeatable)
  --no-text           drop the text tower (inference then uses the stored anchors)
  --heads N           override the inferred vision heads, 1 to 1024 (default width/64)
  --quick-gelu        mark the model as QuickGELU (default: exact GELU, as AA-CLIP)
  --card BASE         also write aaclip.json beside FILE, the model card of a bundle to publish
                      on the Hugging Face Hub (docs/hub.md): BASE is the CLIP the adapters were
                      trained on (e.g. hf:openai/clip-vit-large-patch14-336); needs --adapters
  --training-data T   the card's training data (e.g. "VisA, full training split")
  --force             overwrite --out (and aaclip.json)
${COMMON_HELP}`;

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    ...COMMON_OPTIONS,
    out: 'string',
    fp16: 'boolean',
    adapters: 'list',
    anchors: 'string',
    dataset: 'string',
    vocab: 'list',
    'no-text': 'boolean',
    heads: 'string',
    'quick-gelu': 'boolean',
    card: 'string',
    'training-data': 'string',
    force: 'boolean',
  }, { isFile: existsSync });
  if (values.help) {
    console.log(CONVERT_HELP);
    return 0;
  }
  // 1. flags
  const ctx = commonFlags(values);
  const heads = intFlag(values, 'heads', undefined, 1, 1024);
  const out = requiredFlag(values, 'out', 'FILE.safetensors');
  if (positionals.length !== 1) throw usage(`give exactly one weights file, got ${positionals.length} (aaclip convert --help)`);
  const input = positionals[0]!;
  // 2. files
  requireFile(input, 'weights');
  const adapters = values.adapters as string[] | undefined;
  const vocab = values.vocab as string[] | undefined;
  for (const a of adapters ?? []) requireFile(a, 'adapter file');
  for (const v of vocab ?? []) requireFile(v, 'tokenizer file');
  for (const f of [input, ...(adapters ?? []), ...(vocab ?? [])]) if (canonical(out) === canonical(f)) throw usage(`--out must differ from the input ${f}`);
  if (existsSync(out) && !values.force) throw usage(`${out} exists (use --force to overwrite)`);
  const card = values.card as string | undefined;
  const cardPath = join(dirname(resolve(out)), 'aaclip.json');
  if (card !== undefined) {
    if (!values.adapters) throw usage('--card describes a bundle of trained adapters: give them with --adapters');
    if (existsSync(cardPath) && !values.force) throw usage(`${cardPath} exists (use --force to overwrite)`);
    try {
      parseModelRef(card);
    } catch (e) {
      throw usage(`--card: ${userMessage(e)}`);
    }
  } else if (values['training-data'] !== undefined) throw usage('--training-data goes with --card');
  const ignored = vocab?.length ? vocabIgnoredWarning(input) : null;
  if (ignored) ctx.log(`warning: ${ignored}`);
  removeStaleTemps(dirname(resolve(out))); // a killed earlier run's temporary file beside --out (up to the model's size)
  await startBackend(ctx);
  const activation = values['quick-gelu'] ? 'quick_gelu' : 'gelu';
  const { tensors } = await readWeightFile(input);
  const norm = normalizeClipStateDict(tensors, { visionHeads: heads, activation });
  const noText = values['no-text'] === true;
  const dtype = values.fp16 ? 'float16' : 'float32';
  const outTensors = new Map<string, WritableTensor>();
  for (const [k, t] of norm.tensors) {
    if (noText && !k.startsWith('visual.')) continue;
    if (k === 'logit_scale') continue;
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number);
    outTensors.set(k, { dtype, shape: t.shape, data });
  }
  const config = noText ? { ...norm.config, text: undefined } : norm.config;
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, clip_config: JSON.stringify(config), source: input };
  let nAnchors = 0;
  if (values.adapters || values.anchors) {
    const bundle = await loadBundle({ model: input, adapters, vocab, activation });
    try {
      const ck = bundle.checkpoint;
      if (values.adapters && ck) {
        for (const [k, a] of ck.adapters) if (!(noText && k.startsWith('text_adapter.'))) outTensors.set(k, { dtype: 'float32', shape: a.shape, data: a.data });
        if (ck.aaclipConfig) metadata.aaclip_config = JSON.stringify(ck.aaclipConfig);
      }
      if (values.anchors) {
        if (!bundle.tokenizer) throw usage('--anchors needs a tokenizer (--vocab bpe_simple_vocab_16e6.txt.gz)');
        const classes = String(values.anchors).split(',').map((c) => c.trim()).filter(Boolean);
        const model = AAClipModel.create({ clip: bundle.clip, adapters: ck?.adapters, config: ck?.aaclipConfig });
        const cache = new AnchorCache(model, bundle.tokenizer, Boolean(ck && [...ck.adapters.keys()].some((k) => k.startsWith('text_adapter.'))));
        try {
          for (const c of classes) {
            const a = cache.get(c, { dataset: values.dataset as string | undefined, onWarning: (w) => ctx.log(`warning: ${userMessage(w.message)}`) });
            outTensors.set(`anchors.${c}`, { dtype: 'float32', shape: [...a.shape], data: (await a.data()) as Float32Array }); // async: webgpu in Node
            nAnchors++;
          }
          metadata.anchor_classes = JSON.stringify(classes);
          metadata.anchor_info = JSON.stringify({ promptSet: 'aaclip', dataset: values.dataset ?? null, adapted: cache.adapted });
        } finally {
          cache.dispose();
          model.dispose();
        }
      }
      if (bundle.tokenizerConfig && !noText) metadata[TOKENIZER_METADATA_KEY] = JSON.stringify(bundle.tokenizerConfig);
    } finally {
      bundle.clip.dispose();
    }
  }
  const bytes = writeSafetensors(outTensors, metadata);
  await writeFileAtomic(out, bytes, { overwrite: values.force === true });
  if (card !== undefined) {
    const text = formatAAClipCard({ base: card, files: { adapters: basename(out) }, imageSize: config.vision.imageSize, ...(values['training-data'] !== undefined ? { trainingData: String(values['training-data']) } : {}) });
    await writeFileAtomic(cardPath, text, { overwrite: values.force === true });
  }
  const summary = { out: resolve(out), tensors: outTensors.size, bytes: bytes.length, dtype, textTower: !noText, anchors: nAnchors, config };
  if (ctx.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${summary.out}: ${summary.tensors} tensors, ${(bytes.length / 2 ** 20).toFixed(1)} MiB (${dtype}${noText ? ', vision only' : ''}${nAnchors ? `, ${nAnchors} anchor sets` : ''})`);
  return 0;
}

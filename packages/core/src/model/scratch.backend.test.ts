import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { readSafetensorsFile, nchwToNhwc, maxAbsDiff } from '../../../../test-utils/read-safetensors-lite';
import { fixture } from '../../../../test-utils/fixtures';
import { ClipModel } from './clip-model';
import { CLIP_PRESETS } from './presets';

it('scratch parity', () => {
  const w = readSafetensorsFile(fixture('clip-openai.safetensors'));
  const inp = readSafetensorsFile(fixture('inputs.safetensors'));
  const exp = readSafetensorsFile(fixture('expected.safetensors'));
  const clip = ClipModel.fromWeights(w as any, CLIP_PRESETS.tiny);
  const im = inp.get('images')!;
  const images = tf.tensor4d(nchwToNhwc(im.data, im.shape), [2, 140, 140, 3]);
  let t = performance.now();
  const r = clip.encodeImage(images, { collect: [6, 12, 18, 24] });
  console.log('vision ms', performance.now() - t);
  console.log('pooled', maxAbsDiff(r.pooled!.dataSync(), exp.get('image.pooled')!.data));
  for (const L of [6, 12, 18, 24]) console.log('L', L, maxAbsDiff(r.tokens.get(L)!.dataSync(), exp.get(`image.tokens.L${L}`)!.data));
  const s = clip.encodeImage(images, { collect: [6, 12, 18, 24], surgery: { from: 6 }, pooled: false });
  for (const L of [6, 12, 18, 24]) console.log('S', L, maxAbsDiff(s.tokens.get(L)!.dataSync(), exp.get(`surgery.tokens.L${L}`)!.data));
  const tok = inp.get('tokens')!;
  t = performance.now();
  const txt = clip.encodeText(tok.data as Int32Array);
  console.log('text ms', performance.now() - t);
  console.log('text', maxAbsDiff(txt.dataSync(), exp.get('text.original')!.data));
});

#!/usr/bin/env node
// Writes the sample images of examples/images (committed; the README's "your images" section
// runs on them): generated carpet and leather textures, families the demo model never saw,
// one good and one with a defect each, 256 px so that overlays come back at the input's size.
//   npm run build && node scripts/make-example-images.mjs
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { encodePng, writeFileAtomic } from '@aaclip/backend-node';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'images');
mkdirSync(out, { recursive: true });
const samples = [
  ['carpet', 'good', 11],
  ['carpet', 'hole', 12],
  ['leather', 'good', 21],
  ['leather', 'scratch', 22],
];
for (const [family, kind, seed] of samples) {
  const texture = generateTexture(family, 256, seed);
  const image = kind === 'good' ? texture : addDefect(texture, kind, seed).image;
  const path = join(out, `${family}-${kind}.png`);
  await writeFileAtomic(path, await encodePng(image), { overwrite: true });
  console.log(path);
}

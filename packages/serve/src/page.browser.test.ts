/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The web page at `/` in Debian's Chromium (playwright-core): pick a class, drop images, see the
// overlay, score and verdict from the server; few-shot with normal references.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelPath } from '@aaclip/backend-node';
import { launchChromium, type Chromium } from '../../../test-utils/chromium';
import { createLocalEngine } from './local-engine';
import { startServer, type RunningServer } from './server';

const image = (name: string) => fileURLToPath(new URL(`../../../examples/images/${name}`, import.meta.url));

let server: RunningServer;
let browser: Chromium;

beforeAll(async () => {
  const engine = await createLocalEngine({ model: demoModelPath(), device: 'wasm' });
  server = await startServer({ engine, port: 0, logger: false });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('aaclip serve: the web page', () => {
  it('detects dropped images: overlay, score and verdict per image', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (document.getElementById('class') as HTMLSelectElement).options.length > 10);
    expect(await page.inputValue('#class')).toBe('carpet');
    await page.fill('#threshold', '0.33');
    await page.setInputFiles('#input', [image('carpet-good.png'), image('carpet-hole.png')]);
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 2 && [...document.querySelectorAll<HTMLImageElement>('.card img')].every((i) => i.complete && i.naturalWidth > 0));
    const cards = await page.$$eval('.card', (els) =>
      els.map((e) => ({
        name: e.querySelector('.name')!.textContent,
        score: Number(e.querySelector('.score')!.textContent),
        verdict: e.querySelector('.verdict')!.textContent,
        width: (e.querySelector('img') as HTMLImageElement).naturalWidth,
      })),
    );
    const byName = Object.fromEntries(cards.map((c) => [c.name, c]));
    expect(byName['carpet-good.png']).toMatchObject({ verdict: 'OK', width: 256 });
    expect(byName['carpet-hole.png']).toMatchObject({ verdict: 'DEFECT', width: 256 });
    expect(byName['carpet-good.png']!.score).toBeCloseTo(0.2945, 4);
    expect(byName['carpet-hole.png']!.score).toBeCloseTo(0.3625, 4);
    expect(await page.textContent('#status')).toMatch(/^2 image\(s\) in \d+ ms$/);
    await page.close();
  });

  it('few-shot: normal references first, then the image', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (document.getElementById('class') as HTMLSelectElement).options.length > 10);
    await page.selectOption('#class', 'leather');
    await page.selectOption('#method', 'few-shot');
    expect(await page.isVisible('#normals-drop')).toBe(true);
    await page.setInputFiles('#normals-input', [image('leather-good.png')]);
    expect(await page.textContent('#normals-list')).toBe('1 normal reference(s): leather-good.png');
    await page.setInputFiles('#input', [image('leather-scratch.png')]);
    await page.waitForSelector('.card img[src^="data:image/png;base64,"]');
    const name = await page.textContent('.card .name');
    expect(name).toBe('leather-scratch.png');
    expect(Number.isFinite(Number(await page.textContent('.card .score')))).toBe(true);
    expect(await page.textContent('.card .verdict')).toBe('no threshold');
    await page.close();
  });

  it('a server error is shown on the page', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (document.getElementById('class') as HTMLSelectElement).options.length > 10);
    await page.selectOption('#method', 'musc');
    await page.setInputFiles('#input', [image('carpet-good.png')]);
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toMatch(/^422: method musc scores images against each other: send at least 5 images/);
    await page.close();
  });
});

import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '@aaclip/backend-node';
import { fakeReportData } from '../../../../test-utils/fake-report';
import type { EvaluationReportData } from './report-types';
import { writeEvaluationReport } from './write-report';

let root = '';
let data: EvaluationReportData;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aaclip-report-'));
  data = await fakeReportData();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeEvaluationReport', () => {
  it('writes report.json, report.md and a self-contained report.html', async () => {
    const dir = join(root, 'run1', 'nested');
    const paths = await writeEvaluationReport(dir, data);
    expect(paths).toEqual({ json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), html: join(dir, 'report.html') });
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'report.md']);

    const json = JSON.parse(await readFile(paths.json, 'utf8'));
    expect(json.reportVersion).toBe(1);
    expect(json.title).toBe(data.title);
    expect(json.classes.map((c: { className: string }) => c.className)).toEqual(['bottle', 'metal_nut']);
    expect(json.classes[0].metrics).toEqual(data.classes[0].metrics);
    expect(json.classes[1].histogram).toEqual(data.classes[1].histogram);
    expect(json.classes[0].worst[0]).toEqual({ imagePath: data.classes[0].worst[0].imagePath, score: 0.52, label: 0 });
    expect(json.average).toEqual(data.average);
    expect(json.runtime).toEqual(data.runtime);

    const md = await readFile(paths.markdown, 'utf8');
    expect(md).toContain('# AA-CLIP on fake MVTec');
    expect(md).toContain('| Class | Pixel AUROC | Pixel AP | Image AUROC | Image AP | AUPRO | F1-max (pixel) | F1-max (image) |');
    expect(md).toContain('| bottle | 98.1 | 68.1 | 99.1 | 98.6 | 90.1 | 73.1 | 96.1 |');
    expect(md).toContain('| metal_nut | 91.2 | 61.3 | 92.2 | 91.8 | 83.2 | 66.2 | 89.2 |');
    expect(md).toMatch(/\| Average \| 94\.7 \| 64\.7 \| 95\.7 \| 95\.2 \| 86\.7 \| 69\.7 \| 92\.7 \|/);
    expect(md).toContain('- Runtime: 3 min 05 s');

    const html = await readFile(paths.html, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const images = html.match(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g) ?? [];
    expect(images).toHaveLength(8); // 2 classes x (2 best + 2 worst)
    const first = html.match(/data:image\/png;base64,([A-Za-z0-9+/=]+)/);
    const decoded = await decodeImage(new Uint8Array(Buffer.from(first![1], 'base64')), 'embedded');
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(html.match(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/g)).toHaveLength(2);
    expect(html).toContain('>normal (n=40)</text>');
    expect(html).toContain('>anomalous (n=25)</text>');
    expect(html).toContain('<h3>Worst cases</h3>');
    expect(html).toContain('<tr class="average"><td>Average</td><td>94.7</td>');
    // No external references: every src / href is a data: URI or an in-page anchor.
    for (const m of html.matchAll(/(?:src|href)="([^"]*)"/g)) expect(m[1]).toMatch(/^(data:image\/png;base64,|#)/);
    expect(html).not.toMatch(/<script|<link|url\(|@import/);
  });

  it('refuses to overwrite without force, leaving the first report untouched', async () => {
    const dir = join(root, 'run2');
    const paths = await writeEvaluationReport(dir, data);
    const before = await Promise.all(Object.values(paths).map(async (p) => [await readFile(p), (await stat(p)).mtimeMs] as const));
    const changed = { ...data, title: 'second run' };
    await expect(writeEvaluationReport(dir, changed)).rejects.toThrow(
      `writeEvaluationReport: ${paths.json} already exists; pass { force: true } to replace the report`,
    );
    const after = await Promise.all(Object.values(paths).map(async (p) => [await readFile(p), (await stat(p)).mtimeMs] as const));
    expect(after).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'report.md']); // no temp files left

    await writeEvaluationReport(dir, changed, { force: true });
    expect(JSON.parse(await readFile(paths.json, 'utf8')).title).toBe('second run');
    expect(await readFile(paths.markdown, 'utf8')).toContain('# second run');
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'report.md']);
  });

  it('names any existing report file, not only report.json', async () => {
    const dir = join(root, 'run3');
    const paths = await writeEvaluationReport(dir, data);
    await rm(paths.json);
    await expect(writeEvaluationReport(dir, data)).rejects.toThrow(`${paths.markdown} already exists`);
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.md']);
  });

  it('validates the data before touching the file system', async () => {
    const dir = join(root, 'run4');
    const percent = structuredClone(data);
    percent.classes[1].metrics.imageAuroc = 92.3;
    await expect(writeEvaluationReport(dir, percent)).rejects.toThrow(
      'report data: classes[1].metrics.imageAuroc must be a fraction in [0, 1] (or NaN), got 92.3 (divide percentages by 100)',
    );
    const badPng = structuredClone(data);
    badPng.classes[0].worst[1].overlayPng = new Uint8Array([1, 2, 3]);
    await expect(writeEvaluationReport(dir, badPng)).rejects.toThrow(/classes\[0\]\.worst\[1\]\.overlayPng must be PNG bytes/);
    const dup = structuredClone(data);
    dup.classes[1].className = 'bottle';
    await expect(writeEvaluationReport(dir, dup)).rejects.toThrow(/classes\[1\]\.className "bottle" appears twice/);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('shows NaN metrics as "-" and stores them as null', async () => {
    const dir = join(root, 'run5');
    const nan = structuredClone(data);
    nan.classes[0].metrics.pixelAp = Number.NaN;
    const paths = await writeEvaluationReport(dir, nan);
    expect(JSON.parse(await readFile(paths.json, 'utf8')).classes[0].metrics.pixelAp).toBeNull();
    expect(await readFile(paths.markdown, 'utf8')).toContain('| bottle | 98.1 | - | 99.1 |');
  });
});

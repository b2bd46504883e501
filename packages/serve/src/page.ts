// The web page at `/`: static files from packages/serve/web, read once. The page calls
// /v1/detect; the overlays it shows are the PNGs the server drew with core's overlayHeatmap
// (the function `aaclip detect` uses), so the page holds no rendering code of its own.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
};

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8' };

export function registerPage(app: FastifyInstance): void {
  for (const [route, file] of Object.entries(FILES)) {
    // src/page.ts and dist/index.js both sit one folder below the package root
    const body = readFileSync(new URL(`../web/${file}`, import.meta.url));
    const type = TYPES[file.split('.').pop()!]!;
    app.get(route, async (_req, reply) => reply.type(type).header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff').send(body));
  }
}

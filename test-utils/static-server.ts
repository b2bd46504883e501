// A tiny static file server for the end-to-end test (node:http, 127.0.0.1, random port).
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface StaticServer {
  /** Base URL, ending in '/'. */
  url: string;
  /** Paths requested so far (for checking that nothing left the machine). */
  requests: string[];
  close(): Promise<void>;
}

/** Resolves `urlPath` inside `root`, or null when it escapes it. */
function inside(root: string, urlPath: string): string | null {
  const p = normalize(join(root, urlPath));
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep) ? p : null;
}

/**
 * Serves `mounts` (URL prefix -> folder; the longest matching prefix wins) on 127.0.0.1 at a
 * random port. Files are sent as they are (no compression, so `.gz` stays gzip bytes), with
 * Content-Length.
 *
 * @example const srv = await serveStatic({ '/': 'examples/browser/dist' }); await srv.close();
 */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  const entries = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const mount = entries.find(([prefix]) => path.startsWith(prefix));
    let file = mount ? inside(mount[1], path.slice(mount[0].length) || 'index.html') : null;
    try {
      if (file && statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = file ? statSync(file).size : -1;
      if (!file || size < 0) throw new Error('not found');
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(size), 'Cache-Control': 'no-store' });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(`not found: ${path}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

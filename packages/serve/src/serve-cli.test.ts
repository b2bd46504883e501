// The real `aaclip serve` process: SIGTERM while a request is in flight answers it, refuses new
// connections and exits 0; flag errors exit 2.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sampleImage } from '../../../test-utils/serve-http';

const CLI = fileURLToPath(new URL('../../cli/dist/cli.js', import.meta.url));

function startServe(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { test: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(line) as Record<string, unknown>;
    } catch {
      l = { msg: line };
    }
    lines.push(l);
    for (const w of waiters.splice(0)) (w.test(l) ? w.resolve(l) : waiters.push(w));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const logLine = (test: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const found = lines.find(test);
      if (found) return resolve(found);
      waiters.push({ test, resolve });
      void exited.then((code) => reject(new Error(`aaclip serve exited with ${code}: ${stderr}`)));
    });
  return { child, lines, exited, logLine, stderr: () => stderr };
}

describe('aaclip serve (the CLI process)', () => {
  it('SIGTERM: answers the request in flight, refuses new connections, exits 0', async () => {
    // a request waits up to a minute for a second image to batch with: it is in flight when SIGTERM comes
    const s = startServe(['--port', '0', '--backend', 'wasm', '--max-batch', '2', '--max-wait-ms', '60000']);
    try {
      const ready = await s.logLine((l) => typeof l.msg === 'string' && l.msg.startsWith('aaclip serve ready at '));
      const url = String(ready.msg).slice('aaclip serve ready at '.length);
      expect(ready.backend).toBe('wasm');
      let answered = false;
      const pending = fetch(`${url}/v1/detect?className=carpet&maps=false`, { method: 'POST', body: Buffer.from(sampleImage('carpet-hole.png')), headers: { 'content-type': 'image/png' } }).then((r) => {
        answered = true;
        return r;
      });
      await s.logLine((l) => l.msg === 'incoming request' && String((l.req as { url?: string } | undefined)?.url).startsWith('/v1/detect'));
      expect(answered).toBe(false);
      s.child.kill('SIGTERM');
      const res = await pending;
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { score: number }[] };
      expect(body.results[0]!.score).toBeCloseTo(0.36253, 4);
      expect(await s.exited).toBe(0);
      expect(s.lines.some((l) => l.signal === 'SIGTERM' && String(l.msg).startsWith('draining'))).toBe(true);
      expect(s.lines.some((l) => l.msg === 'stopped')).toBe(true);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('a bad flag exits 2 with a message naming it', async () => {
    const s = startServe(['--max-batch', 'lots']);
    expect(await s.exited).toBe(2);
    expect(s.stderr()).toMatch(/aaclip serve: --max-batch must be an integer from 1 to 256, got "lots"/);
  });

  it('an --api-key-file without a key exits 2 naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaclip-serve-'));
    const file = join(dir, 'keys.txt');
    writeFileSync(file, '# no key yet\n\n');
    try {
      const s = startServe(['--api-key-file', file]);
      expect(await s.exited).toBe(2);
      expect(s.stderr()).toContain(`aaclip serve: ${file}: the API key file has no key (one per line)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Throughput of the BullMQ scale-out path on the demo model: a redis-server on a free port,
// N `aaclip worker` processes (serve's workerCommand on the built JS), and clients submitting
// distinct 128 px PNGs through the queue engine (what `aaclip serve --queue` runs for each HTTP
// request, without the HTTP layer). Prints images per second and p50/p99 latency per setting.
//
//   npm run build && node bench/queue-load.mjs [--workers 1,2] [--clients 1,8,64] [--requests 96]
//        [--backend wasm] [--concurrency 1] [--max-batch 8] [--local] [--json]
//
// --local: the same clients on serve's in-process engine (no queue), the baseline of the queue's cost.
//
// A benchmark, never an assertion. Each worker is one process (one JavaScript thread for tfjs):
// on a machine with fewer cores than workers they compete for the same cores.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    clients: { type: 'string', default: '1,8,64' },
    requests: { type: 'string', default: '96' },
    backend: { type: 'string', default: 'wasm' },
    concurrency: { type: 'string', default: '1' },
    'max-batch': { type: 'string', default: '8' },
    json: { type: 'boolean', default: false },
    local: { type: 'boolean', default: false },
  },
});
const list = (s) => s.split(',').map(Number);
const serve = await import(join(root, 'packages/serve/dist/index.js'));
const { generateTexture } = await import('@aaclip/synthetic');
const sharp = (await import('sharp')).default;
const MODEL = join(root, 'packages/backend-node/models/demo.safetensors');

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const pong = (port) =>
  new Promise((res) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.on('error', () => res(false));
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => (c.destroy(), res(String(d).startsWith('+PONG'))));
  });

const dir = mkdtempSync(join(tmpdir(), 'aaclip-qbench-'));
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
while (!(await pong(port))) await new Promise((r) => setTimeout(r, 50));
const url = `redis://127.0.0.1:${port}`;
const script = join(dir, 'worker.mjs');
writeFileSync(script, `const { workerCommand } = await import(${JSON.stringify(join(root, 'packages/serve/dist/index.js'))});\nprocess.exit(await workerCommand(process.argv.slice(2), { defaultModel: () => ${JSON.stringify(MODEL)} }));\n`);

let seed = 1;
async function images(n) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const t = generateTexture('carpet', 128, seed++); // distinct bytes: no job is answered from an earlier one
      return new Uint8Array(await sharp(Buffer.from(t.data), { raw: { width: 128, height: 128, channels: 3 } }).png().toBuffer());
    }),
  );
}

function startWorker(i, queue) {
  const child = spawn(process.execPath, [script, '--queue', url, '--queue-name', queue, '--backend', flags.backend, '--id', `w${i}`, '--concurrency', flags.concurrency, '--max-batch', flags['max-batch']], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((res) => child.stdout.on('data', (d) => String(d).includes('"worker-ready"') && res()));
  return { child, ready };
}

const pct = (a, q) => a[Math.min(a.length - 1, Math.floor(q * a.length))];
const rows = [];
for (const nWorkers of flags.local ? [0] : list(flags.workers)) {
  const queue = `bench-${nWorkers}`;
  const workers = Array.from({ length: nWorkers }, (_, i) => startWorker(i, queue));
  await Promise.all(workers.map((w) => w.ready));
  const engine = flags.local
    ? await serve.createLocalEngine({ model: MODEL, device: flags.backend, maxBatch: Number(flags['max-batch']), maxQueue: 100000 })
    : await serve.createQueueEngine({ url, queue, maxWaiting: 100000 });
  // warm-up: every worker compiles its kernels and computes the class anchors once
  await Promise.all((await images(4 * Math.max(1, nWorkers))).map((bytes) => engine.detect({ className: 'carpet', method: 'aaclip', images: [{ bytes }] })));
  for (const clients of list(flags.clients)) {
    const total = Number(flags.requests);
    const pool = await images(total);
    const lat = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < total) {
          const bytes = pool[next++];
          const t = performance.now();
          await engine.detect({ className: 'carpet', method: 'aaclip', images: [{ bytes }] });
          lat.push(performance.now() - t);
        }
      }),
    );
    const s = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const row = { workers: nWorkers, clients, requests: total, imgPerS: +(total / s).toFixed(1), p50ms: Math.round(pct(lat, 0.5)), p99ms: Math.round(pct(lat, 0.99)), backend: flags.backend, concurrency: Number(flags.concurrency) };
    rows.push(row);
    if (!flags.json) console.log(`${flags.local ? 'in process' : `workers ${nWorkers}`}  clients ${String(clients).padStart(2)}  ${row.imgPerS.toFixed(1).padStart(6)} img/s  p50 ${String(row.p50ms).padStart(5)} ms  p99 ${String(row.p99ms).padStart(5)} ms`);
  }
  await engine.close();
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.child.on('close', r))));
}
redis.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
const info = { cores: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(1)), node: process.version };
if (flags.json) console.log(JSON.stringify({ rows, ...info }));
else console.log(`(${info.cores} cores, load average ${info.loadavg.join(' ')}, Node ${info.node})`);

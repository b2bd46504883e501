// Load on `aaclip serve` with the demo model, over HTTP on 127.0.0.1: autocannon clients POST
// one 256 px PNG each (carpet-hole.png, raw body) to /v1/detect, at 1, 8 and 64 concurrent
// clients, with dynamic batching on (--max-batch 8) and off (--max-batch 1). Prints requests
// per second, p50/p99 latency and the mean batch size the server ran (from its /metrics).
//
//   npm run build && node bench/serve-load.mjs [--clients 1,8,64] [--duration 10] [--batching on,off]
//        [--backend wasm] [--max-batch 8] [--max-wait-ms 10] [--maps] [--json]
//
// A benchmark, never an assertion. The server is the real CLI process (`aaclip serve`), one
// JavaScript thread for tfjs; autocannon runs in this process, on the same cores.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,8,64' },
    duration: { type: 'string', default: '10' },
    batching: { type: 'string', default: 'on,off' },
    backend: { type: 'string', default: 'wasm' },
    'max-batch': { type: 'string', default: '8' },
    'max-wait-ms': { type: 'string', default: '10' },
    maps: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const clients = flags.clients.split(',').map(Number);
const duration = Number(flags.duration);
const body = readFileSync(join(root, 'examples/images/carpet-hole.png'));
const CLI = join(root, 'packages/cli/dist/cli.js');

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

async function startServe(maxBatch) {
  const port = await freePort();
  const args = [CLI, 'serve', '--port', String(port), '--backend', flags.backend, '--max-batch', String(maxBatch), '--max-wait-ms', flags['max-wait-ms'], '--max-queue', '4096', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`aaclip serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 600) throw new Error('aaclip serve did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

/** Sum and count of the server's batch-size histogram. */
async function batchStats(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (re) => Number(re.exec(text)?.[1] ?? 0);
  return { sum: num(/^aaclip_batch_size_sum\{method="aaclip"\} (\S+)$/m), count: num(/^aaclip_batch_size_count\{method="aaclip"\} (\S+)$/m) };
}

const path = `/v1/detect?className=carpet&maps=${flags.maps}`;
const run = (url, connections, seconds) =>
  autocannon({ url: `${url}${path}`, method: 'POST', headers: { 'content-type': 'image/png' }, body, connections, duration: seconds, timeout: 60 });

const rows = [];
for (const mode of flags.batching.split(',')) {
  const maxBatch = mode === 'on' ? Number(flags['max-batch']) : 1;
  const server = await startServe(maxBatch);
  try {
    await run(server.url, 8, 2); // warm-up: the class's anchors, the JIT, the allocator
    for (const c of clients) {
      const before = await batchStats(server.url);
      const r = await run(server.url, c, duration);
      const after = await batchStats(server.url);
      const batches = after.count - before.count;
      rows.push({
        batching: mode === 'on' ? `on (max ${maxBatch})` : 'off',
        clients: c,
        reqPerS: r.requests.average,
        p50ms: r.latency.p50,
        p99ms: r.latency.p99,
        meanBatch: batches ? (after.sum - before.sum) / batches : 0,
        ok: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      });
      if (!flags.json) {
        const x = rows.at(-1);
        console.log(`batching ${x.batching.padEnd(12)} clients ${String(c).padStart(3)}: ${x.reqPerS.toFixed(1).padStart(6)} req/s  p50 ${String(x.p50ms).padStart(5)} ms  p99 ${String(x.p99ms).padStart(5)} ms  mean batch ${x.meanBatch.toFixed(2)}  (${x.ok} ok, ${x.non2xx} non-2xx, ${x.errors} errors)`);
      }
    }
  } finally {
    await server.stop();
  }
}
const result = { bench: 'serve-load', date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadavg: loadavg(), backend: flags.backend, duration, maps: flags.maps, maxWaitMs: Number(flags['max-wait-ms']), rows };
mkdirSync(join(root, 'bench/results'), { recursive: true });
const out = join(root, 'bench/results', `serve-load-${result.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
if (flags.json) console.log(JSON.stringify(result));
else {
  console.log(`\n| dynamic batching | clients | requests/s | p50 (ms) | p99 (ms) | mean batch |\n| --- | --- | --- | --- | --- | --- |`);
  for (const x of rows) console.log(`| ${x.batching} | ${x.clients} | ${x.reqPerS.toFixed(1)} | ${x.p50ms} | ${x.p99ms} | ${x.meanBatch.toFixed(2)} |`);
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores; ${out}`);
}

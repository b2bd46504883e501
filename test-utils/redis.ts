// A real Redis for tests: Debian's `redis-server` on a free 127.0.0.1 port in a temporary
// folder, no persistence unless asked (`--save '' --appendonly no`), stopped after. `restart()`
// stops it and starts it again on the same port (the "Redis restarted mid-run" test); with
// `persist: true` the data set is saved on shutdown and read back on restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SHUTDOWN, then SIGKILL after 5 s) and starts it on the same port. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Stops the server, leaving it down until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

export interface TestRedisOptions {
  /** Save the data set to disk on shutdown and load it on start (default false). */
  persist?: boolean;
}

/** Where Debian installs it; `$AACLIP_REDIS_SERVER` overrides. */
export const REDIS_SERVER = process.env.AACLIP_REDIS_SERVER ?? '/usr/bin/redis-server';

/** True where a redis-server binary exists (the tests that need one say so when it does not). */
export function hasRedisServer(): boolean {
  return existsSync(REDIS_SERVER) || spawnSync('redis-server', ['--version']).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends PING in RESP until the answer is +PONG (Redis answers LOADING while reading its file). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

export async function startRedis(opts: TestRedisOptions = {}): Promise<TestRedis> {
  if (!hasRedisServer()) throw new Error(`the queue tests need Redis: ${REDIS_SERVER} not found (apt-get install redis-server, or set AACLIP_REDIS_SERVER to its path)`);
  const bin = existsSync(REDIS_SERVER) ? REDIS_SERVER : 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'aaclip-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const args = (): string[] => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes',
    '--appendonly', 'no', '--save', opts.persist ? '3600 1' : '', '--dbfilename', 'dump.rdb',
    // BullMQ refuses an eviction policy other than noeviction
    '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
  ];
  const start = async (): Promise<void> => {
    const c = spawn(bin, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
    c.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const state = await Promise.race([exited.then(() => 'exit' as const), ping(port).then((ok) => (ok ? 'up' : 'down'))]);
      if (state === 'up') return;
      if (state === 'exit') throw new Error(`redis-server exited on start (port ${port}): ${log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 15 s: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    // SIGTERM: Redis saves (when persistence is on) and exits
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async restart(o = {}) {
      await stop();
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Prometheus metrics of the server (prom-client, on a registry of its own so that several servers
// in one process keep separate counts): requests, latency, queue depth, batch sizes, backend.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServeMetrics {
  registry: Registry;
  /** One finished HTTP request. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** One batch (or whole-request job) run by the engine. */
  batch(method: string, size: number, seconds: number): void;
  /** Sets the functions read at each scrape. */
  bind(source: { queueDepth?: () => number; backend: () => string; ready: () => boolean }): void;
}

/** Creates the metrics; `defaults` adds prom-client's process metrics (CPU, memory, event loop). */
export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): ServeMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'aaclip_' });
  let source: Parameters<ServeMetrics['bind']>[0] = { backend: () => 'unknown', ready: () => false };
  const requests = new Counter({ name: 'aaclip_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'aaclip_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const batchSize = new Histogram({ name: 'aaclip_batch_size', help: 'Images per batch run by the engine', labelNames: ['method'] as const, buckets: [1, 2, 4, 8, 16, 32, 64], registers: [registry] });
  const batchSeconds = new Histogram({ name: 'aaclip_batch_duration_seconds', help: 'Run time of one batch', labelNames: ['method'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const images = new Counter({ name: 'aaclip_images_total', help: 'Images detected', labelNames: ['method'] as const, registers: [registry] });
  new Gauge({
    name: 'aaclip_queue_depth',
    help: 'Images waiting to run',
    registers: [registry],
    collect() {
      this.set(source.queueDepth?.() ?? 0);
    },
  });
  new Gauge({
    name: 'aaclip_backend_info',
    help: 'The tfjs backend detections run on (value 1)',
    labelNames: ['backend'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ backend: source.backend() }, 1);
    },
  });
  new Gauge({
    name: 'aaclip_ready',
    help: '1 when the engine takes requests',
    registers: [registry],
    collect() {
      this.set(source.ready() ? 1 : 0);
    },
  });
  return {
    registry,
    request(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route }, seconds);
    },
    batch(method, size, seconds) {
      batchSize.observe({ method }, size);
      batchSeconds.observe({ method }, seconds);
      images.inc({ method }, size);
    },
    bind(s) {
      source = s;
    },
  };
}

// `aaclip eval --queue`: the evaluation's detection head (the CLI's EvalHead seam) backed by the
// queue. Each batch the evaluation adds becomes a job at once (up to `maxInFlight` at a time), so
// the workers take a class's batches in parallel; `finish` gathers the exact anomaly maps in the
// order added, and the evaluation computes the same report as in one process.
import * as tf from '@tensorflow/tfjs-core';
import type { Detection } from '@aaclip/core';
import { QueueClient, type QueueClientOptions } from './client';
import { f32FromB64, f32ToB64, tensorJobId, type TensorJobData, type TensorJobResult } from './protocol';
import { modelIdentity } from './worker';

export interface QueueEvalHeadOptions extends QueueClientOptions {
  domain: 'industrial' | 'medical';
  /** The prompts' class-name table (eval's --dataset). */
  dataset?: string;
  /** The model and adapter files evaluated; the workers must run the same (checked by sha256). */
  model: string;
  adapters?: string[];
  /** Batches on the queue at once per class (default 32). */
  maxInFlight?: number;
}

/** The shape of the CLI's EvalHead (packages/cli evaluate.ts) for a streaming head. */
export interface QueueEvalHead {
  wholeClass: true;
  detect(images: tf.Tensor4D, className: string): Promise<Detection[]>;
  add(images: tf.Tensor4D, className: string): Promise<void>;
  finish(className: string): Promise<Detection[]>;
  /** Workers that returned results, and how many images each. */
  readonly workers: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export async function createQueueEvalHead(o: QueueEvalHeadOptions): Promise<QueueEvalHead> {
  const modelId = await modelIdentity([o.model, ...(o.adapters ?? [])]);
  const client = new QueueClient(o);
  await client.ready();
  const maxInFlight = o.maxInFlight ?? 32;
  const byWorker = new Map<string, number>();
  let pending: Promise<Detection[]>[] = [];

  const submit = (images: tf.Tensor4D, className: string): Promise<Detection[]> => {
    const [count, size] = images.shape; // [count, S, S, 3]
    const pixels = images.dataSync() as Float32Array; // read now: the caller disposes the tensor
    const meta: Omit<TensorJobData, 'pixels'> = { kind: 'tensor', className, domain: o.domain, ...(o.dataset ? { dataset: o.dataset } : {}), modelId, size, count };
    const id = tensorJobId(meta, pixels);
    return client.run<TensorJobResult>('tensor', { ...meta, pixels: f32ToB64(pixels) }, id).then((r) => {
      byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + r.detections.length);
      return r.detections.map((d) => ({
        size: d.size,
        anomalyMap: f32FromB64(d.anomalyMap),
        probabilityMap: new Float32Array(0), // not sent: the evaluation reads the anomaly map
        imageScore: d.imageScore,
        mapMax: d.mapMax,
        score: d.score,
      }));
    });
  };

  return {
    wholeClass: true,
    workers: byWorker,
    detect: submit,
    async add(images, className) {
      const p = submit(images, className);
      p.catch(() => undefined); // surfaced by finish
      pending.push(p);
      if (pending.length > maxInFlight) await pending[pending.length - 1 - maxInFlight]!.catch(() => undefined);
    },
    async finish() {
      const all = pending;
      pending = [];
      return (await Promise.all(all)).flat();
    },
    close: () => client.close(),
  };
}

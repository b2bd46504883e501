// The dynamic batcher alone, with a recording run function: batches by key up to maxBatch,
// whole-request jobs in order, items of clients that went away never run, flush on shutdown.
import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher';
import { BusyError } from './engine';

function recorder(maxBatch: number, maxWaitMs: number, maxQueue = 100) {
  const runs: { key: string; items: number[] }[] = [];
  const batcher = new Batcher<number, string>({
    maxBatch,
    maxWaitMs,
    maxQueue,
    run: async (key, items) => {
      runs.push({ key, items });
      return items.map((i) => `${key}:${i}`);
    },
  });
  return { batcher, runs };
}

describe('Batcher', () => {
  it('runs full batches of one key at once and keeps each request\'s results in order', async () => {
    const { batcher, runs } = recorder(3, 60_000);
    const a = batcher.submit('carpet', [1, 2]);
    const b = batcher.submit('carpet', [3, 4]);
    const c = batcher.submit('carpet', [5]);
    batcher.flush(); // the last partial batch runs without waiting a minute
    expect(await a).toEqual(['carpet:1', 'carpet:2']);
    expect(await b).toEqual(['carpet:3', 'carpet:4']);
    expect(await c).toEqual(['carpet:5']);
    expect(runs).toEqual([{ key: 'carpet', items: [1, 2, 3] }, { key: 'carpet', items: [4, 5] }]);
  });

  it('never mixes keys, and runs whole-request jobs in queue order', async () => {
    const { batcher, runs } = recorder(8, 0);
    const x = batcher.submit('carpet', [1]);
    const y = batcher.exclusive(5, async () => {
      runs.push({ key: 'musc (whole request)', items: [] });
      return 'musc';
    });
    const z = batcher.submit('leather', [2]);
    expect(await Promise.all([x, y, z])).toEqual([['carpet:1'], 'musc', ['leather:2']]);
    expect(runs.map((r) => r.key)).toEqual(['carpet', 'musc (whole request)', 'leather']);
    await batcher.drain();
    expect(batcher.depth).toBe(0);
  });

  it('drops the items of a request whose client went away before they ran', async () => {
    const { batcher, runs } = recorder(4, 60_000);
    const ac = new AbortController();
    const gone = batcher.submit('carpet', [1, 2], ac.signal);
    const kept = batcher.submit('carpet', [3]);
    ac.abort(new Error('the client went away'));
    batcher.flush();
    await expect(gone).rejects.toThrow('the client went away');
    expect(await kept).toEqual(['carpet:3']);
    expect(runs).toEqual([{ key: 'carpet', items: [3] }]);
    expect(batcher.depth).toBe(0);
  });

  it('refuses past maxQueue waiting images with BusyError', async () => {
    const { batcher } = recorder(8, 60_000, 3);
    const first = batcher.submit('carpet', [1, 2, 3]);
    expect(() => batcher.submit('carpet', [4])).toThrow(BusyError);
    batcher.flush();
    expect(await first).toHaveLength(3);
    expect(await batcher.submit('carpet', [4])).toEqual(['carpet:4']);
  });

  it('rejects bad settings naming them', () => {
    expect(() => recorder(0, 10)).toThrow('maxBatch must be an integer >= 1, got 0');
    expect(() => recorder(2, -1)).toThrow('maxWaitMs must be >= 0, got -1');
  });
});

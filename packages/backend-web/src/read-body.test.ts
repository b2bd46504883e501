import { describe, expect, it, vi } from 'vitest';
import { declaredLength, readResponseBytes, type BodyResponse } from './read-body';

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const CHUNKS = [bytes(1, 2, 3), bytes(4, 5, 6, 7), bytes(8, 9, 10, 11, 12)];
const ALL = bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

/** A fake Response over a stream that yields `chunks`, with the given headers. */
function fakeResponse(chunks: unknown[], headers: Record<string, string> = {}, onCancel?: (reason: unknown) => void): BodyResponse {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++] as Uint8Array);
      else controller.close();
    },
    cancel: onCancel,
  });
  const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers: { get: (n) => h.get(n.toLowerCase()) ?? null }, body, arrayBuffer: () => Promise.reject(new Error('body must be streamed')) };
}

function recorder(): { calls: [number, number | undefined][]; cb: (l: number, t: number | undefined) => void } {
  const calls: [number, number | undefined][] = [];
  return { calls, cb: (l, t) => calls.push([l, t]) };
}

describe('readResponseBytes', () => {
  it('reports loaded / Content-Length per chunk and returns the bytes in order', async () => {
    const p = recorder();
    const out = await readResponseBytes(fakeResponse(CHUNKS, { 'Content-Length': '12' }), { onProgress: p.cb });
    expect(Array.from(out)).toEqual(Array.from(ALL));
    expect(out.buffer.byteLength).toBe(12); // allocated once at the declared size
    expect(p.calls).toEqual([[3, 12], [7, 12], [12, 12]]);
  });

  it('without Content-Length reports an unknown total, then a final (n, n)', async () => {
    const p = recorder();
    const out = await readResponseBytes(fakeResponse(CHUNKS), { onProgress: p.cb });
    expect(Array.from(out)).toEqual(Array.from(ALL));
    expect(p.calls).toEqual([[3, undefined], [7, undefined], [12, undefined], [12, 12]]);
  });

  it('rejects a body shorter than an exact Content-Length', async () => {
    await expect(readResponseBytes(fakeResponse(CHUNKS, { 'content-length': '20' }), { what: 'https://x.test/w.bin' })).rejects.toThrow(
      'https://x.test/w.bin: download truncated: received 12 of 20 bytes (Content-Length)',
    );
  });

  it('with Content-Encoding takes Content-Length as approximate: grows past it, accepts less', async () => {
    const p = recorder();
    const grown = await readResponseBytes(fakeResponse(CHUNKS, { 'content-length': '8', 'content-encoding': 'gzip' }), { onProgress: p.cb });
    expect(Array.from(grown)).toEqual(Array.from(ALL));
    expect(p.calls).toEqual([[3, 8], [7, 8], [12, undefined], [12, 12]]);
    const shorter = await readResponseBytes(fakeResponse(CHUNKS, { 'content-length': '20', 'content-encoding': 'br' }));
    expect(Array.from(shorter)).toEqual(Array.from(ALL));
    expect(shorter.buffer.byteLength).toBe(12);
  });

  it('reads a response without a body stream through arrayBuffer()', async () => {
    const p = recorder();
    const res: BodyResponse = { headers: { get: () => null }, body: null, arrayBuffer: async () => ALL.slice().buffer };
    const out = await readResponseBytes(res, { onProgress: p.cb });
    expect(Array.from(out)).toEqual(Array.from(ALL));
    expect(p.calls).toEqual([[12, 12]]);
  });

  it('aborts mid-download: rejects with the reason and cancels the stream', async () => {
    const ctl = new AbortController();
    const cancelled = vi.fn();
    let reads = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        reads++;
        if (reads === 1) c.enqueue(bytes(1, 2));
        return new Promise(() => undefined); // the second chunk never comes
      },
      cancel: cancelled,
    });
    const res: BodyResponse = { headers: { get: () => null }, body, arrayBuffer: async () => new ArrayBuffer(0) };
    const p = recorder();
    const pending = readResponseBytes(res, { signal: ctl.signal, onProgress: (l, t) => {
      p.cb(l, t);
      queueMicrotask(() => ctl.abort(new Error('user left the page')));
    } });
    await expect(pending).rejects.toThrow('user left the page');
    expect(p.calls).toEqual([[2, undefined]]);
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect((cancelled.mock.calls[0]![0] as Error).message).toBe('user left the page');
  });

  it('rejects at once for an already aborted signal, reading nothing', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const p = recorder();
    await expect(readResponseBytes(fakeResponse(CHUNKS), { signal: ctl.signal, onProgress: p.cb })).rejects.toMatchObject({ name: 'AbortError' });
    expect(p.calls).toEqual([]);
  });

  it('rejects chunks that are not bytes, and cancels the stream when onProgress throws', async () => {
    await expect(readResponseBytes(fakeResponse(['text'], {}), { what: 'w.bin' })).rejects.toThrow('w.bin: body stream yielded [object String], expected Uint8Array chunks');
    const cancelled = vi.fn();
    const boom = (): void => {
      throw new Error('progress bar gone');
    };
    await expect(readResponseBytes(fakeResponse(CHUNKS, {}, cancelled), { onProgress: boom })).rejects.toThrow('progress bar gone');
    expect(cancelled).toHaveBeenCalledTimes(1);
  });
});

describe('declaredLength', () => {
  const h = (v: string | null) => ({ get: () => v });
  it('parses a decimal Content-Length and ignores anything else', () => {
    expect(declaredLength(h('1234'))).toBe(1234);
    expect(declaredLength(h(' 0 '))).toBe(0);
    expect(declaredLength(h(null))).toBeUndefined();
    expect(declaredLength(h('12, 12'))).toBeUndefined();
    expect(declaredLength(h('-5'))).toBeUndefined();
    expect(declaredLength(h('99999999999999999999'))).toBeUndefined();
  });
});

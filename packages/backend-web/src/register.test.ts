import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureGradients, webBackendReport } from './backend';

afterAll(async () => {
  await tf.setBackend('cpu'); // back to the backend the unit project runs on
});

describe('register entry', () => {
  it('selects a backend on import after the feature checks (wasm in Node), reading AACLIP_WEB_CONFIG', async () => {
    (globalThis as { AACLIP_WEB_CONFIG?: unknown }).AACLIP_WEB_CONFIG = { backend: 'auto' };
    const { backendReady } = await import('./register');
    const r = await backendReady;
    expect(r.active).toBe('wasm');
    expect(r.tfjsName).toBe('wasm');
    expect(r.how).toBe('auto');
    expect(r.skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
    expect(r.skipped[0]!.reason).toMatch(/^navigator\.gpu is missing/);
    expect(r.skipped[1]!.reason).toBe('no OffscreenCanvas and no document to create a canvas for the WebGL2 check');
    expect(tf.getBackend()).toBe('wasm');
    expect(webBackendReport()).toBe(r);
    delete (globalThis as { AACLIP_WEB_CONFIG?: unknown }).AACLIP_WEB_CONFIG;
  });

  it('ensureGradients loads tfjs-core gradient registrations', async () => {
    await expect(ensureGradients()).resolves.toBeUndefined();
    expect(tf.getGradient('Relu')).toBeDefined();
  });
});

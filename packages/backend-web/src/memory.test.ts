import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { liveTensors, memoryReport } from './memory';

describe('liveTensors / memoryReport', () => {
  it('count live tensors and their bytes on the active backend', () => {
    const before = liveTensors();
    const bytesBefore = memoryReport().numBytes;
    const t = tf.tensor2d(new Float32Array(12), [3, 4]);
    expect(liveTensors()).toBe(before + 1);
    const r = memoryReport();
    expect(r.backend).toBe('cpu');
    expect(r.numTensors).toBe(before + 1);
    expect(r.numBytes - bytesBefore).toBe(48);
    expect(r.unreliable).toBe(true); // tfjs' cpu backend calls its byte counts an upper bound
    expect(r.numBytesInGPU).toBeUndefined(); // the cpu backend reports none
    t.dispose();
    expect(liveTensors()).toBe(before);
  });
});

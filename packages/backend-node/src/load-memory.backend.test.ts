// Detection loads its CLIP inference-only (one copy of the weights on wasm: see
// load-memory-heap.test.ts); training and plain loads keep the weights readable.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-utils/fixtures';
import { loadDetector } from './model-bundle';
import { loadClip } from './weights-io';

describe('loading weights from a file', () => {
  it('loadDetector builds its CLIP for inference; loadClip does not unless asked', async () => {
    const model = join(repoRoot, 'packages/backend-node/models/demo.safetensors');
    const { detector } = await loadDetector({ model });
    expect(detector.model.clip.inferenceOnly).toBe(true);
    detector.dispose();
    const { clip } = await loadClip(model);
    expect(clip.inferenceOnly).toBe(false);
    clip.dispose();
  });
});

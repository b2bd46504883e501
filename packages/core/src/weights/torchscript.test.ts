import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../test-utils/fixtures';
import { glob, OP, pk, stateDictPickle, str, tensorOps, torchZip, f32Bytes, type TensorSpec } from '../../../../test-utils/pickle-builder';
import { readSafetensors } from './safetensors-reader';
import { openTorchArchive } from './torch-zip';
import { isTorchScriptArchive, readTorchFile, readTorchScriptParameters } from './torchscript';

const load = (name: string): Uint8Array => readFileSync(fixture(name));
const spec = (key: string, size: number[]): TensorSpec => ({ storage: 'FloatStorage', key, numel: 4, offset: 0, size, stride: size.length ? [1] : [] });

/** A scripted-module-like pickle: Root{training, w, sub: Sub{b, training}}. */
function scriptedPickle(): Uint8Array {
  return pk(
    OP.PROTO2,
    glob('__torch__.m', 'Root'), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT, OP.MARK,
    str('training'), OP.NEWFALSE,
    str('w'), tensorOps(spec('0', [4])),
    str('sub'), glob('__torch__.m', 'Sub'), OP.EMPTY_TUPLE, OP.NEWOBJ, OP.EMPTY_DICT, OP.MARK,
    str('b'), tensorOps(spec('0', [2])), str('training'), OP.NEWFALSE, str('hook'), OP.NONE,
    OP.SETITEMS, OP.BUILD,
    OP.SETITEMS, OP.BUILD, OP.STOP,
  );
}

describe('TorchScript archives', () => {
  it('collects the parameters of clip-openai-jit.pt by attribute path', () => {
    const bytes = load('clip-openai-jit.pt');
    expect(isTorchScriptArchive(openTorchArchive(bytes))).toBe(true);
    const tensors = readTorchScriptParameters(bytes);
    const reference = readSafetensors(load('clip-openai.safetensors')).tensors;
    expect([...tensors.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(tensors.has('visual.transformer.resblocks.23.attn.in_proj_weight')).toBe(true);
    for (const [k, t] of reference) {
      const a = tensors.get(k)!;
      if (k !== 'logit_scale') expect(a.shape, k).toEqual(t.shape);
      if (Buffer.compare(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)) !== 0) {
        throw new Error(`tensor ${k} differs`);
      }
    }
    expect(readTorchFile(bytes).size).toBe(tensors.size);
  });

  it('walks a constructed module tree, skipping non-tensor attributes', () => {
    const bytes = torchZip(scriptedPickle(), { 0: f32Bytes([1, 2, 3, 4]) }, 'model', 0, { 'constants.pkl': pk(OP.PROTO2, OP.EMPTY_TUPLE, OP.STOP) });
    const tensors = readTorchScriptParameters(bytes);
    expect([...tensors.keys()]).toEqual(['w', 'sub.b']);
    expect([...tensors.get('sub.b')!.data]).toEqual([1, 2]);
    expect([...readTorchFile(bytes).keys()]).toEqual(['w', 'sub.b']);
  });

  it('refuses a plain checkpoint', () => {
    expect(() => readTorchScriptParameters(load('text_adapter.pth'))).toThrow(/root is not a scripted module object/);
  });
});

describe('readTorchFile', () => {
  it('flattens plain checkpoints with nested dicts', () => {
    const tensors = readTorchFile(load('image_adapter_1.pth'));
    expect(tensors.size).toBe(11);
    expect(tensors.get('image_adapter.det_proj.fc.weight')!.shape).toEqual([32, 64]);
    expect(readTorchFile(load('clip-openai.pt')).size).toBe(446);
  });

  it('unwraps a state_dict wrapper', () => {
    const inner = stateDictPickle({ 'module.w': spec('0', [4]) });
    // {'epoch': 1, 'state_dict': {...}}: splice the inner dict (without PROTO/STOP) into an outer one
    const outer = pk(OP.PROTO2, OP.EMPTY_DICT, OP.MARK, str('epoch'), 0x4b, 1, str('state_dict'), inner.subarray(2, inner.length - 1), OP.SETITEMS, OP.STOP);
    const tensors = readTorchFile(torchZip(outer, { 0: f32Bytes([1, 2, 3, 4]) }));
    expect([...tensors.keys()]).toEqual(['module.w']);
  });
});

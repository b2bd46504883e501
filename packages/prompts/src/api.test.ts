import { describe, expect, it, vi } from 'vitest';
import { buildPromptSentences, domainOf, resolveClassName } from './api';
import { PromptRegistry } from './registry';

describe('module-level functions (built-in registry)', () => {
  it('build the official sentences for the fixture classes', () => {
    expect(buildPromptSentences('bottle').abnormal).toEqual([
      'a damaged dark bottle.', 'a photo of a damaged dark bottle.',
      'a broken dark bottle.', 'a photo of a broken dark bottle.',
      'a dark bottle with flaw.', 'a photo of a dark bottle with flaw.',
      'a dark bottle with defect.', 'a photo of a dark bottle with defect.',
      'a dark bottle with damage.', 'a photo of a dark bottle with damage.',
    ]);
    expect(buildPromptSentences('screw').normal).toEqual([
      'screw.', 'a photo of screw.', 'a screw.', 'a photo of a screw.', 'the screw.', 'a photo of the screw.',
    ]);
    expect(buildPromptSentences('bottle', { promptSet: 'winclip' }).normal).toHaveLength(154);
  });

  it('resolve names and domains', () => {
    expect(resolveClassName('pcb3', { dataset: 'visa' })).toBe('infrared sensor pcb module');
    expect(domainOf('Colon_Kvasir')).toBe('medical');
    expect(domainOf('screw')).toBe('industrial');
  });

  it('warn through console.warn once per unknown name, or through a per-call handler', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(resolveClassName('api_unknown_1')).toBe('api_unknown_1');
      expect(resolveClassName('api_unknown_1')).toBe('api_unknown_1');
      expect(spy).toHaveBeenCalledTimes(1);
      const onWarning = vi.fn();
      resolveClassName('api_unknown_2', { onWarning });
      expect(onWarning).toHaveBeenCalledTimes(1);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('use a given registry', () => {
    const registry = new PromptRegistry({ onWarning: () => {} }).registerClass({
      name: 'widget', realName: 'blue widget', domain: 'medical',
    });
    expect(buildPromptSentences('widget', { registry }).normal[0]).toBe('blue widget.');
    expect(domainOf('widget', { registry })).toBe('medical');
    expect(() => resolveClassName('x', { registry: {} as PromptRegistry })).toThrow(
      'options.registry must be a PromptRegistry instance',
    );
  });
});

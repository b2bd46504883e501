import { describe, expect, it, vi } from 'vitest';
import { PromptRegistry } from './registry';
import type { PromptWarning } from './types';
import { onceWarner } from './warnings';

const mine = { normalStates: ['good {}'], abnormalStates: ['bad {}', '{} with a crack'], templates: ['{}.', 'an image of {}'] };

function collecting(): { warnings: PromptWarning[]; registry: PromptRegistry } {
  const warnings: PromptWarning[] = [];
  return { warnings, registry: new PromptRegistry({ onWarning: (w) => warnings.push(w) }) };
}

describe('PromptRegistry built-ins', () => {
  const r = new PromptRegistry({ onWarning: () => {} });

  it('lists built-in sets and datasets in order', () => {
    expect(r.listPromptSets()).toEqual(['aaclip', 'winclip']);
    expect(r.listDatasets()).toEqual([
      'MVTec', 'VisA', 'MPDD', 'BTAD', 'Brain', 'Liver', 'Retina',
      'Colon_clinicDB', 'Colon_colonDB', 'Colon_Kvasir', 'Colon_cvc300',
    ]);
    expect(r.listClasses()).toHaveLength(43);
    expect(r.listClasses('mpdd').map((c) => c.name)).toEqual([
      'connector', 'tubes', 'metal_plate', 'bracket_white', 'bracket_brown', 'bracket_black',
    ]);
  });

  it('resolves class names and domains, with case-insensitive dataset names', () => {
    expect(r.resolveClassName('bottle')).toBe('dark bottle');
    expect(r.resolveClassName('screw', { dataset: 'mvtec' })).toBe('screw');
    expect(r.resolveClassName('CVC-300')).toBe('colon endoscopy image');
    expect(r.lookupClass('pcb1')).toEqual({
      name: 'pcb1', realName: 'dual ultrasonic distance sensor pcb module', domain: 'industrial', dataset: 'VisA',
    });
    expect(r.getDataset('VISA').name).toBe('VisA');
    expect(r.domainOf('mvtec')).toBe('industrial');
    expect(r.domainOf('Retina')).toBe('medical');
    expect(r.domainOf('Kvasir')).toBe('medical');
    expect(r.domainOf('bottle')).toBe('industrial');
    expect(r.domainOf('anything', { dataset: 'liver' })).toBe('medical');
  });

  it('builds the fixture sentences for bottle and screw (official set, state-major)', () => {
    expect(r.buildPromptSentences('bottle').normal).toEqual([
      'dark bottle.', 'a photo of dark bottle.', 'a dark bottle.', 'a photo of a dark bottle.',
      'the dark bottle.', 'a photo of the dark bottle.',
    ]);
    expect(r.buildPromptSentences('screw', { dataset: 'MVTec' })).toEqual({
      normal: ['screw.', 'a photo of screw.', 'a screw.', 'a photo of a screw.', 'the screw.', 'a photo of the screw.'],
      abnormal: [
        'a damaged screw.', 'a photo of a damaged screw.',
        'a broken screw.', 'a photo of a broken screw.',
        'a screw with flaw.', 'a photo of a screw with flaw.',
        'a screw with defect.', 'a photo of a screw with defect.',
        'a screw with damage.', 'a photo of a screw with damage.',
      ],
    });
  });

  it('selects the WinCLIP set by name', () => {
    const s = r.buildPromptSentences('bottle', { promptSet: 'WinCLIP' });
    expect(s.normal).toHaveLength(154);
    expect(s.abnormal).toHaveLength(88);
    expect(s.abnormal[0]).toBe('a cropped photo of the damaged dark bottle.');
  });

  it('throws on unknown datasets and prompt sets with the registered names', () => {
    expect(() => r.resolveClassName('bottle', { dataset: 'mvtec2' })).toThrow(
      /lookupClass: unknown dataset "mvtec2"; registered: "MVTec", "VisA"/,
    );
    expect(() => r.buildPromptSentences('bottle', { promptSet: 'nope' })).toThrow(
      'unknown prompt set "nope"; registered: "aaclip", "winclip"',
    );
    expect(() => r.buildPromptSentences('')).toThrow('buildPromptSentences: className must be a non-empty string, got ""');
  });
});

describe('PromptRegistry fallback', () => {
  it('returns unknown names unchanged (no underscore rewriting) and warns', () => {
    const { warnings, registry } = collecting();
    expect(registry.resolveClassName('metal_gear')).toBe('metal_gear');
    expect(warnings).toEqual([
      {
        code: 'unknown-class',
        name: 'metal_gear',
        message: '@aaclip/prompts: no real name registered for class "metal_gear"; using "metal_gear" as is',
      },
    ]);
    expect(registry.buildPromptSentences('metal_gear').normal[0]).toBe('metal_gear.');
  });

  it('treats a class of another dataset as unknown when a dataset is given', () => {
    const { warnings, registry } = collecting();
    expect(registry.resolveClassName('bottle', { dataset: 'visa' })).toBe('bottle');
    expect(warnings[0]).toMatchObject({ code: 'unknown-class', name: 'bottle', dataset: 'VisA' });
    expect(warnings[0]!.message).toContain('in dataset "VisA"');
  });

  it('throws in strict mode', () => {
    const { warnings, registry } = collecting();
    expect(() => registry.resolveClassName('gear', { strict: true })).toThrow('resolveClassName: unknown class "gear"');
    expect(() => registry.domainOf('gear', { strict: true })).toThrow(
      'domainOf: "gear" is neither a registered dataset nor a class',
    );
    expect(warnings).toEqual([]);
  });

  it('uses the fallback domain with a warning', () => {
    const { warnings, registry } = collecting();
    expect(registry.domainOf('gear')).toBe('industrial');
    expect(registry.domainOf('gear', { fallback: 'medical' })).toBe('medical');
    expect(warnings.map((w) => w.code)).toEqual(['unknown-domain', 'unknown-domain']);
  });

  it('default handler: console.warn once per name', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const registry = new PromptRegistry();
      registry.resolveClassName('gear');
      registry.resolveClassName('gear');
      registry.buildPromptSentences('gear');
      registry.resolveClassName('sprocket');
      expect(spy.mock.calls).toEqual([
        ['@aaclip/prompts: no real name registered for class "gear"; using "gear" as is'],
        ['@aaclip/prompts: no real name registered for class "sprocket"; using "sprocket" as is'],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('per-call handler overrides the registry handler; onceWarner deduplicates', () => {
    const { warnings, registry } = collecting();
    const seen: string[] = [];
    const once = onceWarner((w) => seen.push(w.name));
    registry.resolveClassName('a', { onWarning: once });
    registry.resolveClassName('a', { onWarning: once });
    registry.resolveClassName('b', { onWarning: once });
    expect(seen).toEqual(['a', 'b']);
    expect(warnings).toEqual([]);
  });
});

describe('PromptRegistry extension', () => {
  it('registers prompt sets, datasets and classes', () => {
    const { warnings, registry } = collecting();
    registry
      .registerPromptSet('mine', mine)
      .registerDataset({ name: 'Gears', domain: 'industrial', classes: { spur: 'steel spur gear', helical: 'helical gear' } })
      .registerDataset({
        name: 'xray',
        domain: 'Medical' as 'medical', // the official spelling is accepted at run time
        classes: [{ name: 'chest', realName: 'chest x-ray' }],
      })
      .registerClass({ name: 'widget', realName: 'blue plastic widget', domain: 'industrial' });
    expect(registry.listPromptSets()).toEqual(['aaclip', 'winclip', 'mine']);
    expect(registry.listDatasets().slice(-2)).toEqual(['Gears', 'xray']);
    expect(registry.getPromptSet('MINE')).toEqual({ ...mine, name: 'mine' });
    expect(registry.buildPromptSentences('spur', { promptSet: 'mine', dataset: 'gears' })).toEqual({
      normal: ['good steel spur gear.', 'an image of good steel spur gear'],
      abnormal: [
        'bad steel spur gear.', 'an image of bad steel spur gear',
        'steel spur gear with a crack.', 'an image of steel spur gear with a crack',
      ],
    });
    expect(registry.resolveClassName('helical')).toBe('helical gear');
    expect(registry.domainOf('xray')).toBe('medical');
    expect(registry.domainOf('chest')).toBe('medical');
    expect(registry.domainOf('widget')).toBe('industrial');
    expect(registry.buildPromptSentences('widget').normal[0]).toBe('blue plastic widget.');
    expect(registry.listClasses()[0]).toEqual({ name: 'widget', realName: 'blue plastic widget', domain: 'industrial' });
    expect(warnings).toEqual([]);
  });

  it('accepts an inline prompt set and a realName override per call', () => {
    const r = new PromptRegistry({ onWarning: () => {} });
    expect(r.buildPromptSentences('bottle', { promptSet: mine })).toEqual({
      normal: ['good dark bottle.', 'an image of good dark bottle'],
      abnormal: [
        'bad dark bottle.', 'an image of bad dark bottle',
        'dark bottle with a crack.', 'an image of dark bottle with a crack',
      ],
    });
    expect(r.buildPromptSentences('bottle', { realName: 'green bottle' }).normal[0]).toBe('green bottle.');
    expect(() => r.buildPromptSentences('bottle', { promptSet: { ...mine, templates: ['oops'] } })).toThrow(
      `buildPromptSentences: options.promptSet: templates[0] = "oops" must contain exactly one '{}', found 0`,
    );
  });

  it('standalone classes take precedence over datasets for dataset-less lookups', () => {
    const r = new PromptRegistry({ onWarning: () => {} });
    r.registerClass({ name: 'bottle', realName: 'green glass bottle', domain: 'industrial' });
    expect(r.resolveClassName('bottle')).toBe('green glass bottle');
    expect(r.resolveClassName('bottle', { dataset: 'MVTec' })).toBe('dark bottle');
  });

  it('refuses duplicates unless replace is set; replacing keeps the position', () => {
    const r = new PromptRegistry({ onWarning: () => {} });
    expect(() => r.registerPromptSet('AACLIP', mine)).toThrow(
      'registerPromptSet: prompt set "AACLIP" is already registered; pass { replace: true } to replace it',
    );
    expect(() => r.registerDataset({ name: 'mvtec', domain: 'industrial', classes: { a: 'b' } })).toThrow(
      'registerDataset: dataset "mvtec" is already registered; pass { replace: true } to replace it',
    );
    r.registerClass({ name: 'w', realName: 'x', domain: 'industrial' });
    expect(() => r.registerClass({ name: 'w', realName: 'y', domain: 'industrial' })).toThrow(/class "w" is already registered/);
    r.registerDataset({ name: 'mvtec', domain: 'industrial', classes: { bottle: 'clear bottle' } }, { replace: true });
    expect(r.listDatasets()[0]).toBe('mvtec');
    expect(r.resolveClassName('bottle')).toBe('clear bottle');
    r.registerPromptSet('aaclip', mine, { replace: true });
    expect(r.listPromptSets()).toEqual(['aaclip', 'winclip']);
    expect(r.buildPromptSentences('bottle').normal).toEqual(['good clear bottle.', 'an image of good clear bottle']);
  });

  it('validates registrations with the offending value', () => {
    const r = new PromptRegistry({ onWarning: () => {} });
    expect(() => r.registerPromptSet('bad', { ...mine, normalStates: ['fine'] })).toThrow(
      `registerPromptSet: prompt set "bad": normalStates[0] = "fine" must contain exactly one '{}', found 0`,
    );
    expect(() => r.registerClass({ name: 'c', realName: 'cc', domain: 'space' as never })).toThrow(
      `registerClass: class "c" domain must be 'industrial' or 'medical', got "space"`,
    );
    expect(r.hasPromptSet('bad')).toBe(false);
  });

  it('can start empty and use its own default set', () => {
    const r = new PromptRegistry({ builtins: false, defaultPromptSet: 'mine', onWarning: () => {} });
    expect(r.listPromptSets()).toEqual([]);
    expect(r.listDatasets()).toEqual([]);
    expect(() => r.buildPromptSentences('x')).toThrow('unknown prompt set "mine"; registered: (none)');
    r.registerPromptSet('mine', mine);
    expect(r.buildPromptSentences('x').normal).toEqual(['good x.', 'an image of good x']);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixturesRoot } from '../../../test-utils/fixtures';
import { AACLIP_PROMPT_SET, OFFICIAL_DATASETS } from './official-tables';

interface OfficialJson {
  prompts: { prompt_normal: string[]; prompt_abnormal: string[]; prompt_templates: string[] };
  class_names: Record<string, string[]>;
  real_names: Record<string, Record<string, string>>;
  domains: Record<string, string>;
}

const official = JSON.parse(readFileSync(join(fixturesRoot, 'official-prompts.json'), 'utf8')) as OfficialJson;
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  prompts: OfficialJson['prompts'];
  real_names: Record<string, string>;
};

describe('official tables', () => {
  it('carry the official prompt lists exactly', () => {
    expect(AACLIP_PROMPT_SET.normalStates).toEqual(official.prompts.prompt_normal);
    expect(AACLIP_PROMPT_SET.abnormalStates).toEqual(official.prompts.prompt_abnormal);
    expect(AACLIP_PROMPT_SET.templates).toEqual(official.prompts.prompt_templates);
    expect(AACLIP_PROMPT_SET.normalStates).toEqual(['{}', 'a {}', 'the {}']);
    expect(AACLIP_PROMPT_SET.abnormalStates).toEqual([
      'a damaged {}',
      'a broken {}',
      'a {} with flaw',
      'a {} with defect',
      'a {} with damage',
    ]);
    expect(AACLIP_PROMPT_SET.templates).toEqual(['{}.', 'a photo of {}.']);
  });

  it('match the prompts used by the reference fixture', () => {
    expect(AACLIP_PROMPT_SET.normalStates).toEqual(expected.prompts.prompt_normal);
    expect(AACLIP_PROMPT_SET.abnormalStates).toEqual(expected.prompts.prompt_abnormal);
    expect(AACLIP_PROMPT_SET.templates).toEqual(expected.prompts.prompt_templates);
    const mvtec = OFFICIAL_DATASETS.find((d) => d.name === 'MVTec')!;
    for (const [cls, real] of Object.entries(expected.real_names)) {
      expect(mvtec.classes.find((c) => c.name === cls)?.realName).toBe(real);
    }
    expect(expected.real_names).toEqual({ bottle: 'dark bottle', screw: 'screw' });
  });

  it('have every official dataset, in the documented order, with its table sizes', () => {
    expect(OFFICIAL_DATASETS.map((d) => [d.name, d.domain, d.classes.length])).toEqual([
      ['MVTec', 'industrial', 15],
      ['VisA', 'industrial', 12],
      ['MPDD', 'industrial', 6],
      ['BTAD', 'industrial', 3],
      ['Brain', 'medical', 1],
      ['Liver', 'medical', 1],
      ['Retina', 'medical', 1],
      ['Colon_clinicDB', 'medical', 1],
      ['Colon_colonDB', 'medical', 1],
      ['Colon_Kvasir', 'medical', 1],
      ['Colon_cvc300', 'medical', 1],
    ]);
    expect(OFFICIAL_DATASETS.reduce((n, d) => n + d.classes.length, 0)).toBe(43);
  });

  it('equal the official CLASS_NAMES order, REAL_NAMES and DOMAINS for every dataset', () => {
    expect(OFFICIAL_DATASETS.map((d) => d.name).sort()).toEqual(Object.keys(official.class_names).sort());
    for (const d of OFFICIAL_DATASETS) {
      expect(d.classes.map((c) => c.name)).toEqual(official.class_names[d.name]);
      expect(Object.fromEntries(d.classes.map((c) => [c.name, c.realName]))).toEqual(official.real_names[d.name]);
      expect(d.domain).toBe(official.domains[d.name]!.toLowerCase());
    }
  });

  it('spot-check some real names', () => {
    const real = (ds: string, cls: string) =>
      OFFICIAL_DATASETS.find((d) => d.name === ds)!.classes.find((c) => c.name === cls)!.realName;
    expect(real('MVTec', 'metal_nut')).toBe('metal nut which has four notched edges');
    expect(real('VisA', 'pcb3')).toBe('infrared sensor pcb module');
    expect(real('MPDD', 'tubes')).toBe('scattered metal objects');
    expect(real('BTAD', '02')).toBe('vertical fabric lines in warm, dusty pink and beige tones');
    expect(real('Colon_Kvasir', 'Kvasir')).toBe('colon endoscopy image');
    expect(real('Colon_cvc300', 'CVC-300')).toBe('colon endoscopy image');
    expect(real('Brain', 'Brain')).toBe('scan');
  });
});

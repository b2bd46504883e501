// The public surface is deliberate: api/*.api.md lists every export of every published entry
// point (from the built .d.ts, scripts/api-report.mjs); a change to the surface without the
// report updated fails here. Needs the packages built (`npm test` builds first).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { apiEntries, staleReports } from '../scripts/api-report.mjs';

describe('API reports (api/*.api.md)', () => {
  it('one report per published entry point, each equal to what the built packages export', () => {
    const entries = apiEntries() as Array<{ name: string; file: string }>;
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['@aaclip/core', '@aaclip/backend-node', '@aaclip/backend-web', '@aaclip/cli', '@aaclip/render', '@aaclip/synthetic']));
    const stale = staleReports() as string[];
    expect(stale, 'the public API changed: review it, then run `npm run build && npm run api-report` and commit api/').toEqual([]);
  });
});

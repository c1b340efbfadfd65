/**
 * Golden vectors: bit-exact outputs (equity, IM, MM, MtM, raw binary64 values, worst scenarios,
 * contributions, net Greeks, the scenario grid) of 16 portfolios under two snapshots.
 *
 * These golden values were recorded from the kernel itself (recordGolden.ts) after the independent
 * checks passed (Derive's published vectors, the decimal.js implementation, the Black-76 and math
 * references, the properties). They pin determinism — identical bits across engines, machines and
 * refactors — not correctness.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashRiskParams } from '../../../chain/risk/index.ts';
import { fixtureParams } from '../../unit/risk/support/fixture.ts';
import { goldenReports } from './goldenCases.ts';

const golden = JSON.parse(readFileSync(new URL('./golden.json', import.meta.url).pathname, 'utf8')) as {
  paramsHash: string;
  cases: { snapshot: number; portfolio: number; report: unknown }[];
};

describe('risk golden vectors', () => {
  it('params hash is pinned', () => {
    expect(hashRiskParams(fixtureParams())).toBe(golden.paramsHash);
  });
  const now = goldenReports() as { snapshot: number; portfolio: number; report: unknown }[];
  it('has 32 cases', () => expect(golden.cases).toHaveLength(32));
  golden.cases.forEach((c, i) => {
    it(`snapshot ${c.snapshot} portfolio ${c.portfolio}: every output bit-identical`, () => {
      expect(now[i]).toEqual(c);
    });
  });
});

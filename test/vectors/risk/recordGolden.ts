/**
 * Records `golden.json` (run: `npx tsx test/vectors/risk/recordGolden.ts`). The values come from the
 * kernel itself, recorded once the independent checks (Derive vectors, decimal.js implementation,
 * Black-76 and math references, properties) passed: they pin determinism — the same bits on every
 * engine and after every refactor — not correctness. Re-record only for an intended methodology
 * change, and say so in the commit.
 */
import { writeFileSync } from 'node:fs';
import { hashRiskParams } from '../../../chain/risk/index.ts';
import { fixtureParams } from '../../unit/risk/support/fixture.ts';
import { goldenReports } from './goldenCases.ts';

const file = new URL('./golden.json', import.meta.url).pathname;
writeFileSync(
  file,
  `${JSON.stringify({ paramsHash: hashRiskParams(fixtureParams()), node: process.version, cases: goldenReports() }, null, 1)}\n`,
);
process.stdout.write(`wrote ${file}\n`);

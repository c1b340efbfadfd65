/**
 * The pure core (chain/ except chain/node, bridge/ except bridge/agents) may not call engine
 * transcendental functions, clocks, randomness or the environment: results of Math.exp/log/pow
 * may differ between engines, and the rest is impure. Biome covers imports and globals; this
 * covers member calls Biome's rules cannot express. Comments are ignored.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const PURE = ['chain', 'bridge'];
const IMPURE_SUBDIRS = new Set(['chain/node', 'bridge/agents']);
const FORBIDDEN =
  /\bMath\.(exp|expm1|log|log2|log10|log1p|pow|random|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|cbrt|hypot)\b|\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bprocess\.(env|hrtime|argv)\b|\*\*/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const rel = relative(ROOT, p);
    if (IMPURE_SUBDIRS.has(rel)) continue;
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('pure core stays pure', () => {
  it('uses no engine transcendental, clock, randomness, environment or ** operator', () => {
    const hits: string[] = [];
    for (const dir of PURE) {
      for (const f of files(join(ROOT, dir))) {
        const lines = stripComments(readFileSync(f, 'utf8')).split('\n');
        lines.forEach((line, i) => {
          // `**` on bigint is exact; on numbers it is Math.pow. Allow it when the base is a bigint literal.
          if (FORBIDDEN.test(line) && !/\d+n\s*\*\*/.test(line))
            hits.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(hits).toEqual([]);
  });
});

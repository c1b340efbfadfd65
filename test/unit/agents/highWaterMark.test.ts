/** The durable high-water mark: survives reopen, refuses a second root for the marked index, never moves back. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HighWaterMark, isAgentError } from '../../../bridge/agents/index.ts';

const HOOK = `0x${'00'.repeat(12)}${'22'.repeat(20)}` as const;
const w = (b: string) => `0x${b.repeat(64)}` as const;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function path(): string {
  const d = mkdtempSync(join(tmpdir(), 'umg-hwm-'));
  dirs.push(d);
  return join(d, 'hwm.json');
}

describe('HighWaterMark', () => {
  it('is empty at first, persists an advance, and reopens to the same record', () => {
    const p = path();
    const h = HighWaterMark.open(p, 7, HOOK);
    expect(h.current).toBeUndefined();
    expect(h.check(0, w('a'), w('b'))).toBe('above');
    h.advance({ origin: 7, merkleTreeHook: HOOK, index: 4, root: w('a'), messageId: w('b') });
    const again = HighWaterMark.open(p, 7, HOOK);
    expect(again.current).toEqual({
      origin: 7,
      merkleTreeHook: HOOK,
      index: 4,
      root: w('a'),
      messageId: w('b'),
    });
    expect(JSON.parse(readFileSync(p, 'utf8')).index).toBe(4);
  });

  it('refuses a second root at the marked index and any move back', () => {
    const h = HighWaterMark.open(path(), 7, HOOK);
    h.advance({ origin: 7, merkleTreeHook: HOOK, index: 4, root: w('a'), messageId: w('b') });
    const cases: [string, () => unknown][] = [
      ['other root at the mark', () => h.check(4, w('c'), w('b'))],
      ['other id at the mark', () => h.check(4, w('a'), w('c'))],
      [
        'advance to the mark with another root',
        () => h.advance({ origin: 7, merkleTreeHook: HOOK, index: 4, root: w('c'), messageId: w('b') }),
      ],
      [
        'advance below the mark',
        () => h.advance({ origin: 7, merkleTreeHook: HOOK, index: 3, root: w('a'), messageId: w('b') }),
      ],
    ];
    for (const [name, f] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isAgentError(err, 'AGENT_DOUBLE_SIGN_REFUSED'), name).toBe(true);
    }
    // The same checkpoint again is not a second root.
    expect(h.check(4, w('a'), w('b'))).toBe('atOrBelow');
    expect(h.check(2, w('f'), w('f'))).toBe('atOrBelow');
    expect(h.check(5, w('f'), w('f'))).toBe('above');
    expect(h.current?.index).toBe(4);
  });

  it('refuses a record of another origin and a malformed file', () => {
    const p = path();
    HighWaterMark.open(p, 7, HOOK).advance({
      origin: 7,
      merkleTreeHook: HOOK,
      index: 0,
      root: w('a'),
      messageId: w('b'),
    });
    expect(() => HighWaterMark.open(p, 8, HOOK)).toThrow(/AGENT_CONFIG_INVALID/);
    writeFileSync(p, '{"index": "x"}');
    expect(() => HighWaterMark.open(p, 7, HOOK)).toThrow(/AGENT_FILE_INVALID/);
  });
});

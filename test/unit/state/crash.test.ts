import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubStore, LevelKv } from '../../../state/index.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const child = new URL('./fixtures/crashChild.ts', import.meta.url).pathname;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function runUntilKilled(dir: string, point: string, n: number): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, dir, point, String(n)], {
    encoding: 'utf8',
  });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

describe('SIGKILL around the block batch (real process death, LevelDB)', () => {
  it.each([
    ['beforeWrite', 4, 2n],
    ['afterWrite', 4, 3n],
  ] as const)(
    'killed at %s of the %i-th block: reopens at height %s with nothing half-written',
    async (point, n, expected) => {
      const dir = mkdtempSync(join(tmpdir(), 'umg-crash-'));
      dirs.push(dir);
      runUntilKilled(dir, point, n);
      const s = await HubStore.open(await LevelKv.open(dir));
      expect(s.height).toBe(expected);
      expect(s.treeSource).toBe('walk');
      expect(s.get(enc('counter'))).toEqual(Uint8Array.of(Number(expected)));
      expect(s.get(enc(`k${expected}`))).toEqual(enc(`v${expected}`));
      expect(s.get(enc(`k${expected + 1n}`))).toBeUndefined();
      expect(await s.getBlock(expected + 1n)).toBeUndefined();
      expect(await s.rootAt(expected + 1n)).toBeUndefined();
      expect((await s.verify()).ok).toBe(true);
      await s.close();
      // The next run resumes from there and commits the rest.
      const r = spawnSync(process.execPath, ['--import', 'tsx', child, dir, 'none', '0'], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const t = await HubStore.open(await LevelKv.open(dir));
      expect(t.height).toBe(19n);
      expect((await t.verify()).ok).toBe(true);
      await t.close();
    },
  );
});

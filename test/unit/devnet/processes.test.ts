/**
 * Process tracking: a tracked child is stopped by PID; a PID whose command line lacks the marker is
 * left alone; the pid file round-trips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isAlive,
  isOurs,
  readPidFile,
  removePidFile,
  spawnTracked,
  stopTracked,
  writePidFile,
} from '../../../devnet/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'umg-proc-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already stopped
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function sleeper(marker: string) {
  const r = spawnTracked({
    role: 'sleeper',
    command: process.execPath,
    args: ['-e', 'setTimeout(() => {}, 60000)', marker],
    marker,
    logPath: join(dir, 'sleeper.log'),
  });
  started.push(r.record.pid);
  return r;
}

describe('tracked processes', () => {
  it('stops a tracked child by PID', async () => {
    const { record } = sleeper(join(dir, 'marker-a'));
    expect(isAlive(record.pid)).toBe(true);
    expect(isOurs(record)).toBe(true);
    expect(await stopTracked(record)).toBe(true);
    expect(isAlive(record.pid)).toBe(false);
  });

  it('leaves alone a PID whose command line lacks the marker', async () => {
    const { record } = sleeper(join(dir, 'marker-b'));
    const impostor = { ...record, marker: join(dir, 'someone-else') };
    expect(isOurs(impostor)).toBe(false);
    expect(await stopTracked(impostor)).toBe(false);
    expect(isAlive(record.pid)).toBe(true);
    expect(await stopTracked(record)).toBe(true);
  });

  it('refuses to spawn without the marker on the command line', () => {
    expect(() =>
      spawnTracked({
        role: 'x',
        command: process.execPath,
        args: ['-e', '0'],
        marker: 'absent-marker',
        logPath: join(dir, 'x.log'),
      }),
    ).toThrow(/marker must appear/);
  });

  it('round-trips the pid file', () => {
    const p = { role: 'hub', pid: 12345, marker: dir, command: 'x', startedAtMs: 1 };
    writePidFile(dir, [p]);
    expect(readPidFile(dir)?.processes).toEqual([p]);
    removePidFile(dir);
    expect(readPidFile(dir)).toBeUndefined();
  });
});

/**
 * The `unimargin` CLI as a user runs it: --help explains every option; init → start → stop →
 * verify agrees; a corrupted state value makes verify exit 1; bad options fail with a clear error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { homePaths } from '../../../chain/node/home.ts';
import { LevelKv } from '../../../state/index.ts';

const BIN = new URL('../../../bin/unimargin', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 120_000 });

describe('unimargin CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'umg-cli-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('--help names every command and every option of start', { timeout: 180_000 }, () => {
    const main = run('--help');
    for (const c of [
      'init',
      'start',
      'status',
      'verify',
      'tx link-evm',
      'devnet up',
      'devnet down',
      'devnet deposit',
      'devnet scenario',
    ])
      expect(main.stdout).toContain(c);
    const start = run('start', '--help');
    for (const o of ['--home', '--rpc-port', '--block-time-ms', '--follow', '--sig-threads'])
      expect(start.stdout).toContain(o);
    const link = run('tx', 'link-evm', '--help');
    for (const o of ['--key-index', '--private-key', '--evm-private-key', '--rpc'])
      expect(link.stdout).toContain(o);
  });

  it('refuses unknown commands and options with a clear error', { timeout: 180_000 }, () => {
    const r = run('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command');
    const o = run('start', '--no-such-option');
    expect(o.status).toBe(2);
    expect(o.stderr).toContain('no-such-option');
  });

  it('init, start, stop, verify; a corrupted value fails verify', async () => {
    expect(run('init', '--home', home).status).toBe(0);
    expect(run('init', '--home', home).status).not.toBe(0); // no silent overwrite
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(BIN, [
      'start',
      '--home',
      home,
      '--rpc-port',
      String(port),
      '--block-time-ms',
      '50',
      '--log-level',
      'error',
    ]);
    // Until a few blocks are committed.
    for (let i = 0; i < 600; i++) {
      const h = await fetch(`http://127.0.0.1:${port}/v1/status`)
        .then((r) => r.json() as Promise<{ height: string }>)
        .then((j) => Number(j.height))
        .catch(() => 0);
      if (h >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const ok = run('verify', '--home', home);
    expect(ok.stdout, ok.stderr).toContain('ok: roots agree');
    expect(ok.status).toBe(0);

    // Flip a byte of one stored state value (state records live under the store's STATE prefix).
    const { KEY_PREFIX } = await import('../../../state/index.ts');
    const kv = await LevelKv.open(homePaths(home).data);
    let done = false;
    for await (const [k, v] of kv.iterate({
      gte: Uint8Array.of(KEY_PREFIX.STATE),
      lt: Uint8Array.of(KEY_PREFIX.STATE + 1),
    })) {
      const bad = new Uint8Array(v);
      bad[0]! ^= 0xff;
      await kv.write([{ type: 'put', key: k, value: bad }], { sync: true });
      done = true;
      break;
    }
    await kv.close();
    expect(done).toBe(true);
    const bad = run('verify', '--home', home);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('MISMATCH');
  }, 300_000);
});

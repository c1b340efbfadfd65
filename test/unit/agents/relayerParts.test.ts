/**
 * Relayer parts without a chain: signature gathering (validator order, exactly threshold, forged
 * and mismatched checkpoints ignored, below threshold named), the latest quorum, the retry
 * schedule, hub log parsing, the durable store and the Prometheus rendering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  gatherQuorum,
  isAgentError,
  LocalCheckpointStorage,
  latestQuorum,
  MetricsRegistry,
  parseHubLog,
  RelayerStore,
  retryDelayMs,
  type ValidatorSet,
} from '../../../bridge/agents/index.ts';
import {
  addressOfPrivateKey,
  bytesToHex,
  type Checkpoint,
  checkpointDigest,
  type Hex,
  recoverSigner,
  signCheckpoint,
} from '../../../bridge/index.ts';

const key = (n: number): Hex => bytesToHex(new Uint8Array(32).fill(n));
const KEYS = [key(31), key(32), key(33)];
const ADDRS = KEYS.map(addressOfPrivateKey);
const HOOK = `0x${'00'.repeat(12)}${'ab'.repeat(20)}` as Hex;
const w = (b: string) => `0x${b.repeat(64)}` as Hex;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function storages(): LocalCheckpointStorage[] {
  return KEYS.map(() => {
    const d = mkdtempSync(join(tmpdir(), 'umg-rp-'));
    dirs.push(d);
    return new LocalCheckpointStorage(d).ensure();
  });
}
const cp = (index: number, root: Hex, id: Hex): Checkpoint => ({
  origin: 9,
  merkleTreeHook: HOOK,
  root,
  index,
  messageId: id,
});

describe('gatherQuorum / latestQuorum', () => {
  it('orders signatures as the validator list, takes exactly threshold, ignores forged and other-root checkpoints', () => {
    const s = storages();
    const set: ValidatorSet = {
      validators: ADDRS,
      threshold: 2,
      locations: new Map(ADDRS.map((a, i) => [a, s[i]!.location])),
    };
    // validator 0 signs another root (a reorged view), validator 1 and 2 agree; validator 2's file holds a forged signature first.
    s[0]!.writeCheckpoint({
      checkpoint: cp(5, w('e'), w('1')),
      signature: signCheckpoint(KEYS[0]!, cp(5, w('e'), w('1'))),
    });
    s[1]!.writeCheckpoint({
      checkpoint: cp(5, w('f'), w('1')),
      signature: signCheckpoint(KEYS[1]!, cp(5, w('f'), w('1'))),
    });
    s[2]!.writeCheckpoint({
      checkpoint: cp(5, w('f'), w('1')),
      signature: signCheckpoint(key(99), cp(5, w('f'), w('1'))),
    });
    let err: unknown;
    try {
      gatherQuorum(set, 9, HOOK, 5, w('1'));
    } catch (e) {
      err = e;
    }
    expect(isAgentError(err, 'AGENT_SIGNATURES_BELOW_THRESHOLD')).toBe(true);
    expect((err as Error).message).toContain('1 matching signatures, threshold 2');
    s[2]!.writeCheckpoint({
      checkpoint: cp(5, w('f'), w('1')),
      signature: signCheckpoint(KEYS[2]!, cp(5, w('f'), w('1'))),
    });
    const q = gatherQuorum(set, 9, HOOK, 5, w('1'));
    expect(q.checkpoint.root).toBe(w('f'));
    expect(q.signatures.length).toBe(2);
    const digest = checkpointDigest(q.checkpoint);
    expect(q.signatures.map((sig) => recoverSigner(digest, sig))).toEqual([ADDRS[1], ADDRS[2]]);
    // Another message id at that index is not this message's quorum.
    expect(() => gatherQuorum(set, 9, HOOK, 5, w('2'))).toThrow(/AGENT_SIGNATURES_BELOW_THRESHOLD/);
  });

  it('latestQuorum picks the highest index a threshold of validators reached', () => {
    const s = storages();
    const set: ValidatorSet = {
      validators: ADDRS,
      threshold: 2,
      locations: new Map(ADDRS.map((a, i) => [a, s[i]!.location])),
    };
    const sign = (v: number, i: number) => {
      const c = cp(i, w(String(i % 10)), w('a'));
      s[v]!.writeCheckpoint({ checkpoint: c, signature: signCheckpoint(KEYS[v]!, c) });
      s[v]!.writeLatestIndex(i);
    };
    for (let i = 0; i <= 7; i++) sign(0, i);
    for (let i = 0; i <= 4; i++) sign(1, i);
    for (let i = 0; i <= 2; i++) sign(2, i);
    expect(latestQuorum(set, 9, HOOK)?.checkpoint.index).toBe(4);
    expect(latestQuorum(set, 9, HOOK, 5)).toBeUndefined();
  });
});

describe('relayer helpers', () => {
  it('retry delays grow from seconds to a cap of minutes', () => {
    const d = [1, 2, 3, 4, 10, 20].map((n) => retryDelayMs(n, {}, () => 0));
    expect(d).toEqual([1000, 2000, 4000, 8000, 300_000, 300_000]);
    expect(retryDelayMs(1, { baseMs: 100, jitter: 0.5 }, () => 1)).toBe(150);
  });

  it('parses hub logs: the code and the failing message index', () => {
    expect(parseHubLog('HUB_MESSAGE_REPLAYED: message 3: message 0xab was delivered already')).toEqual({
      code: 'HUB_MESSAGE_REPLAYED',
      msgIndex: 3,
    });
    expect(parseHubLog('TX_SEQUENCE: account sequence mismatch')).toEqual({
      code: 'TX_SEQUENCE',
      msgIndex: undefined,
    });
    expect(parseHubLog('garbage').code).toBe('UNKNOWN');
  });

  it('the store keeps cursors monotone and failures across reopen', () => {
    const d = mkdtempSync(join(tmpdir(), 'umg-rs-'));
    dirs.push(d);
    const s = new RelayerStore(d);
    s.advance('evm:1', 'next', 5);
    s.advance('evm:1', 'next', 3);
    s.fail({
      lane: 'hub',
      origin: 1,
      destination: 2,
      index: 0,
      messageId: w('1'),
      kind: 'unknown_destination',
      detail: 'x',
      attempts: 0,
      atMs: 1,
    });
    s.flush();
    const again = new RelayerStore(d);
    expect(again.cursor('evm:1')).toEqual({ next: 5, finalNext: 0 });
    expect(again.failures.map((f) => f.kind)).toEqual(['unknown_destination']);
  });

  it('renders Prometheus text with labels', () => {
    const m = new MetricsRegistry();
    const inc = m.counter('x_total', 'things');
    inc({ origin: 1 });
    inc({ origin: 1 }, 2);
    m.gauge('y', 'level')({ lane: 'hub' }, 7);
    const text = m.render();
    expect(text).toContain('# TYPE x_total counter\nx_total{origin="1"} 3');
    expect(text).toContain('y{lane="hub"} 7');
  });
});

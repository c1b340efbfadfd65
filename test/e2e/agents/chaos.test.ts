/**
 * Relayer chaos against a calm run, on one anvil chain and two fresh hubs with the same genesis:
 * the same deposits (USDC credited, WETH unlisted → refund RELEASE once final) are relayed
 * - calmly: one relayer, to hub 1;
 * - chaotically, to hub 2: an injector sends half of the messages twice each in shuffled order
 *   (one tx per copy, never waiting), a relayer is stopped mid-stream and restarted on its state
 *   file, and a second relayer with another key races it the whole time.
 * Every message must be applied exactly once (per-origin delivered count = messages, no
 * message record twice) and the ledger projection — balances by stage, message records (stage,
 * result, credit), settlements by cause — must equal the calm run's.
 */
import { join } from 'node:path';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatherQuorum,
  hubSignerOf,
  processMessageAny,
  type Relayer,
  RestHubApi,
  signHubTx,
  validatorSetFromAnnouncements,
} from '../../../bridge/agents/index.ts';
import { addressToBytes32, encodeMessageIdMultisigMetadata } from '../../../bridge/index.ts';
import { TIER } from '../../../chain/hyperlane/constants.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';
import type { TestNode } from '../../helpers/node.ts';
import { waitFor } from '../../helpers/node.ts';
import { addr, deposit, FINAL_KEYS, startBridgeHub, startWorld, type World } from './world.ts';

let w: World;
let hub2: TestNode;
const ids: Hex[] = [];
const messages = new Map<Hex, { message: Uint8Array; index: number }>();

beforeAll(async () => {
  w = await startWorld([{ domain: 31337, tokens: ['USDC'] }]);
  hub2 = await startBridgeHub(w.dir, [{ domain: 31337, dep: w.chains[0]!.dep, tokens: ['USDC'] }], 'hub2');
  const amounts: [number, string, bigint][] = [
    [4, 'USDC', 11_000_000n],
    [7, 'USDC', 22_000_000n],
    [4, 'WETH', 3n * 10n ** 17n],
    [7, 'USDC', 33_000_000n],
    [4, 'USDC', 44_000_000n],
    [7, 'WETH', 5n * 10n ** 17n],
    [4, 'USDC', 55_000_000n],
    [7, 'USDC', 66_000_000n],
  ];
  for (const [k, sym, amt] of amounts) ids.push(await deposit(w, 0, k, sym, amt));
  // Every message signed by the fast and the final validators before anything is relayed.
  const finalDir = join(w.dir, `val-31337-final-${addr(FINAL_KEYS[0]!)}`, 'checkpoints', 'index.json');
  const { readFileSync, existsSync } = await import('node:fs');
  await waitFor(
    () =>
      existsSync(finalDir) && Number(readFileSync(finalDir, 'utf8')) >= ids.length - 1 ? true : undefined,
    30_000,
  );
}, 180_000);
afterAll(async () => {
  await hub2?.stop();
  await w?.stop();
});

type Json = Record<string, unknown>;
async function get(hub: TestNode, path: string): Promise<Json> {
  return (await (await fetch(`${hub.url}${path}`)).json()) as Json;
}

/** The ledger projection of `hub` over the deposits: heights, relayers and sequence-derived ids left out. */
async function projection(hub: TestNode) {
  const msgs: Json[] = [];
  const holders = new Set<string>();
  const settlements: Json[] = [];
  for (const id of ids) {
    const m = await get(hub, `/v1/bridge/messages/${id}`);
    const credit = m.credit as { holder?: string } | undefined;
    if (credit?.holder !== undefined) holders.add(credit.holder);
    msgs.push({
      id,
      delivered: m.delivered,
      stage: m.stage,
      kind: m.kind,
      result: m.result,
      leaf_index: m.leaf_index,
      credit: m.credit,
      has_settlement: m.settlement_id !== undefined,
    });
    if (typeof m.settlement_id === 'string') {
      const s = await get(hub, `/v1/bridge/settlements/${m.settlement_id}`);
      settlements.push({
        cause: s.cause,
        kind: s.kind,
        status: s.status,
        destination: s.destination,
        recipient: s.recipient,
      });
    }
  }
  const balances: Json = {};
  for (const h of [...holders].sort()) balances[h] = (await get(hub, `/v1/bridge/balances/${h}`)).balances;
  const origins = ((await get(hub, '/v1/bridge/origins')).origins as Json[]).map((o) => ({
    domain: o.domain,
    delivered: o.delivered,
    finalized: o.finalized,
  }));
  return { msgs, balances, settlements, origins };
}

async function allFinal(hub: TestNode): Promise<true | undefined> {
  for (const id of ids) {
    const m = await get(hub, `/v1/bridge/messages/${id}`);
    if (m.stage !== 'final') return undefined;
    if (m.result === 'deposit_token_unknown' && m.settlement_id === undefined) return undefined;
  }
  return true;
}

function shuffle<T>(xs: T[], seed: number): T[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('relayer chaos', () => {
  it('duplicates, shuffling, a restart mid-stream and a racing relayer give the calm ledger, each message once', async () => {
    const lanes = { toHub: true, fromHub: false, finality: true } as const;
    const calm = w.relayer({ name: 'calm', lanes });
    calm.start();
    await waitFor(() => allFinal(w.hub), 60_000);
    await calm.stop();
    const want = await projection(w.hub);
    expect((want.origins[0] as Json).delivered).toBe(String(ids.length));

    // Chaos on hub 2.
    const api = new RestHubApi(hub2.url);
    const chain = w.chains[0]!;
    const cfg = (await api.origins())[0]!;
    const fast = await validatorSetFromAnnouncements(
      chain.owner.publicClient,
      chain.dep.core.validatorAnnounce,
      cfg.fast,
    );
    const { findEvmMessage } = await import('../../../bridge/agents/index.ts');
    const route = { chain: chain.agentChain, client: chain.owner.publicClient };
    for (const id of ids) messages.set(id, (await findEvmMessage(route, id))!);
    const injector = hubSignerOf(ANVIL_KEYS[7] as Hex);
    const acct = await api.account(injector.address);
    let seq = acct!.sequence;
    const chainId = await api.chainId();
    const dupes = shuffle([...ids.slice(0, 4), ...ids.slice(0, 4)], 7);
    const refusals: string[] = [];
    for (const id of dupes) {
      const { message, index } = messages.get(id)!;
      const q = gatherQuorum(fast, 31337, addressToBytes32(chain.dep.core.merkleTreeHook), index, id);
      const metadata = encodeMessageIdMultisigMetadata({
        merkleTreeHook: q.checkpoint.merkleTreeHook,
        root: q.checkpoint.root,
        index,
        signatures: q.signatures,
      });
      const tx = signHubTx({
        signer: injector,
        chainId,
        accountNumber: acct!.accountNumber,
        sequence: seq,
        msgs: [processMessageAny({ relayer: injector.address, metadata, message, tier: TIER.FAST })],
        gasLimit: 200_000n,
      });
      const r = await api.broadcastTxSync(tx);
      if (r.code === 0) seq++;
      else refusals.push(r.log);
    }
    // The second copy of each is refused as a replay (in CheckTx or, when both share a block, in it).
    expect(refusals.every((l) => l.startsWith('HUB_MESSAGE_REPLAYED'))).toBe(true);

    const mk = (name: string, key: number): Relayer =>
      w.relayer({ name, key: ANVIL_KEYS[key] as Hex, hub: api, lanes, batchSize: 2, finalityBatch: 3 });
    const racer = mk('racer', 6);
    const first = mk('restarting', 8);
    racer.start();
    first.start();
    await waitFor(() => (first.outcomes.size >= 2 ? true : undefined), 60_000);
    await first.stop();
    const cursorAtStop = first.status().find((l) => l.lane === 'evm:31337')!.next;
    const again = mk('restarting', 8); // same state file: resumes at its cursor, re-checks above it
    expect(again.status().find((l) => l.lane === 'evm:31337')!.next).toBe(cursorAtStop);
    again.start();
    await waitFor(() => allFinal(hub2), 90_000);
    await Promise.all([racer.stop(), again.stop()]);
    const got = await projection(hub2);
    expect(got).toEqual(want);
    expect(racer.failures).toEqual([]);
    expect(again.failures).toEqual([]);
    // Who delivered what differs; that everything was delivered once does not.
    const outcomes = [...racer.outcomes.values(), ...first.outcomes.values(), ...again.outcomes.values()];
    expect(outcomes.filter((o) => o === 'delivered').length).toBeLessThanOrEqual(ids.length);
    // The restarted relayer settled (re-checked or delivered) every message above the cursor it resumed at.
    expect(cursorAtStop + again.outcomes.size).toBeGreaterThanOrEqual(ids.length);
  });
});

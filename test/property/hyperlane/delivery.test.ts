/**
 * Delivery through the real node path (CheckTx → mempool → sequencer → STF → HubStore on a memory
 * KV), fast-check: a random stream of deliveries of K deposits — every message at least once, with
 * duplicates, shuffled, by two racing relayers, fast or final metadata, random block cuts — then
 * one final checkpoint proving every leaf. Properties:
 * - exactly once: one successful delivery per distinct message id; every other copy is refused
 *   with HUB_MESSAGE_REPLAYED (by CheckTx, or in its block);
 * - conservation at every block: Σ over stages of each (holder, token) balance = the deposits
 *   delivered so far, computed here from the payloads;
 * - provisional → final: after the confirmation nothing is provisional, and the ledger projection
 *   (balances by stage, each message's stage / result / holder / amount) equals a calm run that
 *   delivers each message once, in order, with fast metadata, then confirms;
 * - replaying the stored blocks from genesis gives the same root at every height.
 */
import { Any } from 'cosmjs-types/google/protobuf/any';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../bridge/index.ts';
import {
  accountHolder,
  BRIDGE_TYPE_URL,
  balancesOf,
  bech32FromPubKey,
  ERROR_TABLE,
  evmAddressBytes,
  evmHolder,
  getEvmLink,
  getInbound,
  type LedgerEntry,
  MsgConfirmFinalityCodec,
  MsgProcessMessageCodec,
  STAGE,
  secp,
  TIER,
  toHex,
} from '../../../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import { HubNode } from '../../../chain/node/hubNode.ts';
import { replayStore } from '../../../chain/node/openStore.ts';
import { HubStore, MemoryKv, type StateReader } from '../../../state/index.ts';
import { signTx } from '../../helpers/txs.ts';
import {
  FAST_KEYS,
  FINAL_KEYS,
  fixtureBridge,
  ORIGIN_A,
  type OriginSim,
  simA,
  USDC_A,
  WETH_A,
} from '../../unit/hyperlane/fixtures.ts';

const CHAIN = 'unimargin-devnet-1';
const RELAYER_KEYS = [0, 1].map(devnetPrivateKey);
// Depositors: two linked at genesis (devnet accounts 2 and 3), two never linked.
const LINKED = [2, 3].map((i) =>
  bytesToHex(evmAddressBytes(secp.publicKeyCreate(devnetPrivateKey(i), false))),
);
const DEPOSITORS = [...LINKED, `0x${'e1'.repeat(20)}`, `0x${'e2'.repeat(20)}`] as `0x${string}`[];
const REPLAYED = ERROR_TABLE.hub.HUB_MESSAGE_REPLAYED;

interface Dep {
  depositor: number;
  token: number;
  amount: bigint;
}
interface Delivery {
  msg: number;
  final: boolean;
  relayer: number;
}

async function openNode() {
  const seqKey = generateSequencerKey();
  const genesis = {
    ...devnetGenesis(seqKey.publicKey, { accounts: 4, genesisTimeMs: BigInt(Date.now() - 1000) }),
    bridge: fixtureBridge(),
  };
  const store = await HubStore.open(new MemoryKv());
  const node = await HubNode.open({
    genesis,
    store,
    logger: pino({ level: 'silent' }),
    sequencerKey: seqKey,
    sigThreads: 0,
  });
  return { node, store, genesis, seq: [0n, 0n] };
}

type World = Awaited<ReturnType<typeof openNode>>;

async function send(w: World, relayer: number, any: Any): Promise<{ code: number }> {
  const priv = RELAYER_KEYS[relayer]!;
  const bytes = signTx({
    privKey: priv,
    accountNumber: BigInt(relayer),
    sequence: w.seq[relayer]!,
    chainId: CHAIN,
    msgs: [any],
  });
  const r = await w.node.checkTx(bytes);
  if (r.code === 0) w.seq[relayer]!++;
  return r;
}

function processAny(
  sim: OriginSim,
  m: { message: Uint8Array; id: `0x${string}`; index: number },
  final: boolean,
  relayer: number,
): Any {
  const keys = final ? FINAL_KEYS : FAST_KEYS;
  return Any.fromPartial({
    typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
    value: MsgProcessMessageCodec.toBytes({
      relayer: relayerAddress(relayer),
      metadata: sim.messageIdMetadata(m, keys.slice(0, 2)),
      message: m.message,
      tier: final ? TIER.FINAL : TIER.FAST,
    }),
  });
}

const relayerAddress = (i: number) => bech32FromPubKey(secp.publicKeyCreate(RELAYER_KEYS[i]!, true));

function confirmAny(sim: OriginSim, count: number): Any {
  const cp = sim.checkpoint(count - 1, FINAL_KEYS.slice(1));
  const proofs = Array.from({ length: count }, (_, i) => ({
    messageId: hexToBytes(sim.tree.leaf(i)!),
    leafIndex: i,
    proof: sim.proof(i, count - 1),
  }));
  return Any.fromPartial({
    typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
    value: MsgConfirmFinalityCodec.toBytes({ relayer: relayerAddress(0), origin: ORIGIN_A, ...cp, proofs }),
  });
}

const TOKENS = [USDC_A, WETH_A];
const holderOf = (state: StateReader, depositor: `0x${string}`) => {
  const acct = getEvmLink(state, hexToBytes(depositor));
  return acct === undefined ? evmHolder(hexToBytes(depositor)) : accountHolder(acct);
};

/** Ledger projection: every balance of every depositor's holder, and each message's outcome. */
function projection(state: StateReader, ids: readonly `0x${string}`[]) {
  const ledger: string[] = [];
  for (const d of DEPOSITORS) {
    for (const e of balancesOf(state, holderOf(state, d)) as LedgerEntry[]) {
      ledger.push(`${toHex(e.holder)}/${e.domain}/${toHex(e.token)}/${e.stage}=${e.amount}`);
    }
  }
  const messages = ids.map((id) => {
    const r = getInbound(state, hexToBytes(id));
    return r === undefined ? 'undelivered' : `${r.stage}/${r.result}/${toHex(r.holder)}/${r.amount}`;
  });
  return { ledger, messages };
}

function expectConserved(
  state: StateReader,
  deps: readonly Dep[],
  delivered: ReadonlySet<number>,
  label: string,
) {
  const want = new Map<string, bigint>();
  for (const i of delivered) {
    const d = deps[i]!;
    const k = `${toHex(holderOf(state, DEPOSITORS[d.depositor]!))}/${TOKENS[d.token]}`;
    want.set(k, (want.get(k) ?? 0n) + d.amount);
  }
  const got = new Map<string, bigint>();
  for (const dep of DEPOSITORS) {
    for (const e of balancesOf(state, holderOf(state, dep))) {
      const k = `${toHex(e.holder)}/0x${toHex(e.token)}`;
      got.set(k, (got.get(k) ?? 0n) + e.amount);
    }
  }
  expect(got, label).toEqual(want);
}

const depArb: fc.Arbitrary<Dep> = fc.record({
  depositor: fc.nat(DEPOSITORS.length - 1),
  token: fc.nat(1),
  amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
});

const scenario = fc.array(depArb, { minLength: 1, maxLength: 6 }).chain((deps) =>
  fc.record({
    deps: fc.constant(deps),
    extra: fc.array(fc.record({ msg: fc.nat(deps.length - 1), final: fc.boolean(), relayer: fc.nat(1) }), {
      maxLength: 8,
    }),
    first: fc.array(fc.record({ final: fc.boolean(), relayer: fc.nat(1) }), {
      minLength: deps.length,
      maxLength: deps.length,
    }),
    order: fc.array(fc.nat(), { minLength: deps.length + 8, maxLength: deps.length + 8 }),
    cuts: fc.array(fc.nat(4), { minLength: 20, maxLength: 20 }),
  }),
);

describe('Hyperlane delivery through the node', () => {
  it('applies every message exactly once, conserves deposits, and converges to the calm run', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ deps, extra, first, order, cuts }) => {
        const sim = simA();
        const sent = deps.map((d) =>
          sim.dispatch({
            kind: 'DEPOSIT',
            depositor: DEPOSITORS[d.depositor]!,
            token: TOKENS[d.token]!,
            amount: d.amount,
            depositNonce: 0n,
          }),
        );
        const schedule: Delivery[] = [...first.map((f, msg) => ({ msg, ...f })), ...extra];
        // Shuffle by sorting on random keys (stable for ties).
        const shuffled = schedule
          .map((d, i) => ({ d, k: order[i % order.length]! * 64 + i }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.d);

        const chaos = await openNode();
        const calm = await openNode();
        try {
          const okPerMsg = new Map<number, number>();
          const delivered = new Set<number>();
          let cursor = 0;
          let c = 0;
          while (cursor < shuffled.length) {
            const take = 1 + (cuts[c++ % cuts.length] ?? 0);
            const batch = shuffled.slice(cursor, cursor + take);
            cursor += take;
            const admitted: Delivery[] = [];
            for (const d of batch) {
              const r = await send(chaos, d.relayer, processAny(sim, sent[d.msg]!, d.final, d.relayer));
              if (r.code === 0) admitted.push(d);
              else expect(r.code, 'CheckTx refuses only replays').toBe(REPLAYED);
            }
            const block = await chaos.node.produceBlock();
            block.results.forEach((res, i) => {
              const d = admitted[i]!;
              if (res.code === 0) {
                okPerMsg.set(d.msg, (okPerMsg.get(d.msg) ?? 0) + 1);
                delivered.add(d.msg);
              } else expect(res.code, res.log).toBe(REPLAYED);
            });
            expectConserved(chaos.store.view(), deps, delivered, `after block ${block.header.height}`);
          }
          for (let i = 0; i < deps.length; i++)
            expect(okPerMsg.get(i), `message ${i} delivered once`).toBe(1);
          expect((await send(chaos, 0, confirmAny(sim, deps.length))).code).toBe(0);
          await chaos.node.produceBlock();

          for (const [i, m] of sent.entries())
            expect((await send(calm, i % 2, processAny(sim, m, false, i % 2))).code).toBe(0);
          await calm.node.produceBlock();
          expect((await send(calm, 0, confirmAny(sim, deps.length))).code).toBe(0);
          await calm.node.produceBlock();

          const ids = sent.map((m) => m.id);
          const pChaos = projection(chaos.store.view(), ids);
          expect(pChaos.ledger.some((l) => l.includes(`/${STAGE.PROVISIONAL}=`))).toBe(false);
          expect(pChaos).toEqual(projection(calm.store.view(), ids));
          const report = await replayStore(chaos.store, chaos.genesis, { verifyEveryHeight: true });
          expect(report.ok, report.message).toBe(true);
        } finally {
          await chaos.node.stop();
          await calm.node.stop();
        }
      }),
      { numRuns: 15 },
    );
  });
});

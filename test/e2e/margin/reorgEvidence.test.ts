/**
 * Scenario (f) of issue 5 on anvil chains with the real Hyperlane contracts, the hub and our agents:
 *
 * 1. Chain B halting removes B's hedge relief and nothing else: U is long 1 ETH-PERP on A and short
 *    1 on B (IM 0: one kernel instrument, netted); W is long 1 on A only. B's final validators
 *    stop and a provisional deposit waits past B's `haltAfterMs` (8 s here): B halts, U's IM becomes
 *    W's (the A leg alone), W's margin is unchanged, a withdrawal on A executes, one on B is refused
 *    (MARGIN_DOMAIN_HALTED). When B's final tier resumes, U's IM is 0 again.
 * 2. Threshold reorg evidence on A: two checkpoints for one leaf index (the real one and a forged
 *    root), each signed by both fast validators — signed here through `@hyperlane-xyz/utils`'
 *    checkpoint digest, not ours — revert Z's provisional deposits at and after that index and trip
 *    A's breaker: a new provisional deposit then counts nothing in Z's equity until it is final.
 *    The reverted deposits were real on A: once A's final tier attests them they are credited.
 * 3. A single signer's conflict on B (one fast validator signing two roots) only trips B's breaker:
 *    Z's provisional deposit on B stays provisional (not reverted) and becomes final later.
 * Equity figures are written out from the deposits: final at par, provisional at (1 − 5 %).
 */
import { BaseValidator } from '@hyperlane-xyz/utils';
import type { Hex } from 'viem';
import { keccak256, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_TYPE_URL, MsgSubmitReorgEvidenceResponseCodec } from '../../../chain/hyperlane/codec.ts';
import { ERROR_TABLE } from '../../../chain/index.ts';
import { MARGIN_TYPE_URL } from '../../../chain/margin/codec.ts';
import { getDomainStatus } from '../../../chain/margin/records.ts';
import { waitFor } from '../../helpers/node.ts';
import {
  accountOf,
  bytes20,
  E18,
  evmOf,
  FAST_KEYS,
  type MarginWorld,
  startMarginWorld,
  usdc,
} from './world.ts';

const U = 4;
const W = 6;
const Z = 7;
const SUBMITTER = 3;
const HALT_AFTER_MS = 8_000n;
let w: MarginWorld;
beforeAll(async () => {
  w = await startMarginWorld({
    margin: (c) => ({
      ...c,
      domains: c.domains.map((d) => (d.domain === 31338 ? { ...d, haltAfterMs: HALT_AFTER_MS } : d)),
    }),
  });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const codeOf = (name: string): number => {
  for (const cs of Object.values(ERROR_TABLE)) if (name in cs) return (cs as Record<string, number>)[name]!;
  throw new Error(`no error code ${name}`);
};
const raw = (h: Hex) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'));

/** A checkpoint signed by `keys` over Hyperlane's digest (`@hyperlane-xyz/utils` BaseValidator), EIP-191. */
async function signed(c: number, root: Hex, index: number, messageId: Hex, keys: Hex[]) {
  const ch = w.chains[c]!;
  const digest = BaseValidator.messageHash(
    { root, index, mailbox_domain: ch.domain, merkle_tree_hook_address: ch.dep.core.merkleTreeHook },
    messageId,
  );
  const signatures = [];
  for (const k of keys)
    signatures.push(raw(await privateKeyToAccount(k).signMessage({ message: { raw: digest } })));
  return { root: raw(root), messageId: raw(messageId), signatures };
}

async function evidence(c: number, id: Hex, keys: Hex[]) {
  const cp = await w.checkpointOf(c, id);
  const forged = keccak256(stringToHex(`forged root at ${cp.index}`));
  const r = await w.tx(SUBMITTER, [
    {
      typeUrl: BRIDGE_TYPE_URL.MsgSubmitReorgEvidence,
      value: {
        submitter: accountOf(SUBMITTER),
        origin: w.chains[c]!.domain,
        index: cp.index,
        first: await signed(c, cp.root, cp.index, id, keys),
        second: await signed(c, forged, cp.index, id, keys),
      },
    },
  ]);
  expect(r.code, r.log).toBe(0);
  return {
    index: cp.index,
    height: r.height,
    severity: MsgSubmitReorgEvidenceResponseCodec.decode(r.msgResponses[0]!.value).severity,
  };
}

async function allowance(i: number, c: number) {
  const r = await w.tx(i, [
    {
      typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
      value: {
        sender: accountOf(i),
        domain: w.chains[c]!.domain,
        owner: bytes20(evmOf(i)),
        amountMicro: '1000000000',
      },
    },
  ]);
  expect(r.code, r.log).toBe(0);
  await waitFor(async () => ((await w.allowanceOf(c, i)) === 1_000_000_000n ? true : undefined), 40_000);
}

const withdraw = (i: number, c: number, amount: bigint) =>
  w.tx(
    i,
    [
      {
        typeUrl: MARGIN_TYPE_URL.MsgWithdraw,
        value: {
          sender: accountOf(i),
          domain: w.chains[c]!.domain,
          token: bytes20(w.chains[c]!.dep.app.tokens.USDC!),
          amount: amount.toString(),
          recipient: bytes20(evmOf(i)),
        },
      },
    ],
    { simulate: false },
  );

describe('scenario (f): reorg evidence and halts', () => {
  it('a halted B loses its hedge relief and nothing else; threshold evidence reverts and trips; a single signer only trips', async () => {
    await w.oracle.post({ 'ETH/USD': 3000n * E18, 'USDC/USD': E18 });
    w.oracle.start(5_000);

    // ---- 1. B halts: U's hedge relief goes, nothing else ----
    const ids = [
      await w.deposit(0, U, 'USDC', usdc(10_000n)),
      await w.deposit(1, U, 'USDC', usdc(1_000n)),
      await w.deposit(0, W, 'USDC', usdc(5_000n)),
      await w.deposit(0, Z, 'USDC', usdc(10_000n)),
    ];
    for (const id of ids) await w.waitMessage(id, 'final');
    await allowance(U, 0);
    await allowance(U, 1);
    await allowance(W, 0);
    const legs = [
      await w.trade(0, U, 'ETH-PERP', E18),
      await w.trade(1, U, 'ETH-PERP', -E18),
      await w.trade(0, W, 'ETH-PERP', E18),
    ];
    for (const l of legs) {
      if (!l.ok) throw new Error(`open refused: ${l.errorName}`);
      await w.waitMessage(l.messageId, 'final');
    }
    await w.afterHeight(w.hub.node.height);
    const hedged = w.margin(U);
    const wBefore = w.margin(W);
    expect(hedged.summary.im).toBe(0n);
    expect(wBefore.summary.im).toBeGreaterThan(0n);

    await w.stopFinal(1);
    const waiting = await w.deposit(1, U, 'USDC', usdc(100n));
    await w.waitMessage(waiting, 'provisional');
    await waitFor(() => (getDomainStatus(w.view(), w.b.domain).haltedByStall ? true : undefined), 40_000);
    await w.afterHeight(w.hub.node.height);
    const halted = w.margin(U);
    console.log(
      `U's IM hedged ${hedged.summary.im}, B halted ${halted.summary.im}; W's (A leg alone) ${wBefore.summary.im} µUSD`,
    );
    expect(halted.summary.im).toBe(wBefore.summary.im);
    expect(w.margin(W).summary).toEqual(wBefore.summary);
    expect(getDomainStatus(w.view(), w.a.domain).haltedByStall).toBe(false);
    const onB = await withdraw(U, 1, usdc(10n));
    expect(onB.height).toBeGreaterThan(0);
    expect(onB.code).toBe(codeOf('MARGIN_DOMAIN_HALTED'));
    const onA = await withdraw(U, 0, usdc(100n));
    expect(onA.code, onA.log).toBe(0);
    expect(w.balance(U, 0, 'USDC', 'final')).toBe(usdc(9_900n));
    w.startFinal(1);
    await w.waitMessage(waiting, 'final');
    await w.afterHeight(w.hub.node.height);
    expect(getDomainStatus(w.view(), w.b.domain).haltedByStall).toBe(false);
    expect(w.margin(U).summary.im).toBe(0n);

    // ---- 2. threshold evidence on A: revert at/after the index, breaker ----
    await w.stopFinal(0);
    const d1 = await w.deposit(0, Z, 'USDC', usdc(1_000n));
    const d2 = await w.deposit(0, Z, 'USDC', usdc(2_000n));
    await w.waitMessage(d1, 'provisional');
    await w.waitMessage(d2, 'provisional');
    await w.afterHeight(w.hub.node.height);
    // 10 000 final + 3 000 provisional at (1 − 5 %).
    expect(w.margin(Z).summary.equity).toBe(usdc(12_850n));
    const fast = await evidence(0, d1, FAST_KEYS);
    expect(fast.severity).toBe(2); // FAST: both sides meet the fast threshold
    await w.afterHeight(BigInt(fast.height));
    expect((await w.get(`/v1/bridge/messages/${d1}`)).body.stage).toBe('expired');
    expect((await w.get(`/v1/bridge/messages/${d2}`)).body.stage).toBe('expired');
    expect(w.balance(Z, 0, 'USDC', 'provisional')).toBe(0n);
    expect(w.margin(Z).summary.equity).toBe(usdc(10_000n));
    const sa = getDomainStatus(w.view(), w.a.domain);
    expect(sa.breakerUntilMs).toBeGreaterThan(w.hub.node.lastBlockTimeMs);
    expect(sa.haltedByEvidence).toBe(false);
    // While the breaker holds, new provisional collateral from A counts nothing.
    const d3 = await w.deposit(0, Z, 'USDC', usdc(500n));
    await w.waitMessage(d3, 'provisional');
    await w.afterHeight(w.hub.node.height);
    expect(w.balance(Z, 0, 'USDC', 'provisional')).toBe(usdc(500n));
    expect(w.margin(Z).summary.equity).toBe(usdc(10_000n));
    // A's final tier resumes: d3 becomes final, and the reverted d1, d2 — real on A — are credited
    // when their final attestation arrives.
    w.startFinal(0);
    for (const id of [d3, d1, d2]) await w.waitMessage(id, 'final');
    await w.afterHeight(w.hub.node.height);
    expect(w.balance(Z, 0, 'USDC', 'final')).toBe(usdc(13_500n));
    expect(w.margin(Z).summary.equity).toBe(usdc(13_500n));

    // ---- 3. a single signer's conflict on B: breaker only ----
    await w.stopFinal(1);
    const d4 = await w.deposit(1, Z, 'USDC', usdc(700n));
    await w.waitMessage(d4, 'provisional');
    await w.afterHeight(w.hub.node.height);
    const beforeSigner = w.margin(Z).summary.equity;
    const one = await evidence(1, d4, [FAST_KEYS[0]!]);
    expect(one.severity).toBe(1); // SIGNER
    await w.afterHeight(BigInt(one.height));
    const sb = getDomainStatus(w.view(), w.b.domain);
    expect(sb.breakerUntilMs).toBeGreaterThan(w.hub.node.lastBlockTimeMs);
    expect(sb.haltedByEvidence).toBe(false);
    // Not reverted: still provisional and held; its 665 (700 × 95 %) no longer counts while the breaker holds.
    expect((await w.get(`/v1/bridge/messages/${d4}`)).body.stage).toBe('provisional');
    expect(w.balance(Z, 1, 'USDC', 'provisional')).toBe(usdc(700n));
    expect(beforeSigner - w.margin(Z).summary.equity).toBe(usdc(665n));
    w.startFinal(1);
    await w.waitMessage(d4, 'final');
    expect(w.balance(Z, 1, 'USDC', 'final')).toBe(usdc(700n));

    for (const l of await w.conservation()) {
      expect(l.imbalance, `${l.domain}/${l.token}`).toBe(0n);
      expect(l.vaultView, `${l.domain}/${l.token}`).toBeLessThanOrEqual(l.onChain);
    }
  });
});

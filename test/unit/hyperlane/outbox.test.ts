/**
 * The hub's outbound mailbox: message bytes agree with `@hyperlane-xyz/utils` formatMessage and
 * messageId (an independent implementation), roots and proofs at every past checkpoint agree with
 * a naive whole-tree fold written here (viem keccak, all leaves kept), and settlements go
 * DISPATCHED → ACKNOWLEDGED/CANCELLED through inbound ACKs (wrong source, duplicate and unknown
 * settlement recorded as business results). An unknown-token deposit is refunded once final.
 */
import { formatMessage, messageId as utilsMessageId } from '@hyperlane-xyz/utils';
import { concat, type Hex, keccak256, pad } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  branchRoot,
  bytesToHex,
  decodeAppPayload,
  decodeMessage,
  hexToBytes,
} from '../../../bridge/index.ts';
import {
  applyConfirmFinality,
  applyProcessMessage,
  dispatchMessage,
  dispatchSettlement,
  getInbound,
  getSettlement,
  HUB_DOMAIN,
  HUB_SENDER,
  HUB_TREE_HOOK,
  latestOutboundCheckpoint,
  nextSettlementId,
  outboundCheckpointAt,
  outboundProof,
  outboxCount,
  outboxMessage,
  outboxNonceOf,
  RESULT,
  SETTLEMENT_STATUS,
  STAGE,
  TIER,
} from '../../../chain/index.ts';
import {
  ADAPTER_A,
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FINAL_KEYS,
  JUNK_A,
  ORIGIN_A,
  ORIGIN_B,
  processMsg,
  RELAYER,
  simA,
  VAULT_A,
} from './fixtures.ts';

function naiveRoot(leaves: readonly Hex[]): Hex {
  let zero: Hex = pad('0x', { size: 32 });
  let level = [...leaves];
  for (let depth = 0; depth < 32; depth++) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak256(concat([level[i]!, level[i + 1] ?? zero])));
    level = next;
    zero = keccak256(concat([zero, zero]));
  }
  return level[0] ?? zero;
}

describe('hub outbox', () => {
  it('dispatches Hyperlane v3 messages; roots and proofs at every index match a naive tree', async () => {
    const state = await bridgeState();
    const ids: Hex[] = [];
    const N = 37;
    for (let i = 0; i < N; i++) {
      const body = Uint8Array.of(0x11, i, i + 1);
      const recipient = pad(`0x${(i + 1).toString(16).padStart(40, '0')}`, { size: 32 });
      const d = dispatchMessage(state, { destination: i % 2 ? ORIGIN_A : ORIGIN_B, recipient, body });
      const expected = formatMessage(
        3,
        i,
        HUB_DOMAIN,
        HUB_SENDER,
        i % 2 ? ORIGIN_A : ORIGIN_B,
        recipient,
        bytesToHex(body),
      );
      expect(bytesToHex(d.message), `message ${i}`).toBe(expected);
      expect(d.messageId, `id ${i}`).toBe(utilsMessageId(expected));
      expect(d.nonce).toBe(i);
      ids.push(d.messageId);
    }
    expect(outboxCount(state)).toBe(N);
    for (let i = 0; i < N; i++) {
      const cp = outboundCheckpointAt(state, i, HUB_TREE_HOOK)!;
      expect(cp.root, `root at ${i}`).toBe(naiveRoot(ids.slice(0, i + 1)));
      expect(cp.messageId).toBe(ids[i]);
      for (const leaf of [0, Math.floor(i / 2), i]) {
        const proof = outboundProof(state, leaf, i)!;
        expect(branchRoot(ids[leaf]!, proof, leaf), `proof of ${leaf} at ${i}`).toBe(cp.root);
      }
      expect(outboxNonceOf(state, hexToBytes(ids[i]!))).toBe(i);
      expect(bytesToHex(outboxMessage(state, i)!).length).toBeGreaterThan(2 * 77);
    }
    expect(latestOutboundCheckpoint(state, HUB_TREE_HOOK)!.index).toBe(N - 1);
    expect(outboundProof(state, N, N - 1)).toBeUndefined();
    expect(outboundCheckpointAt(state, N, HUB_TREE_HOOK)).toBeUndefined();
  });

  it('records settlement ACKs: executed, duplicate, wrong source, unknown, cancelled', async () => {
    const state = await bridgeState();
    const a = simA();
    const mk = () => {
      const sid = nextSettlementId(state);
      dispatchSettlement(state, 3n, {
        destination: ORIGIN_A,
        recipient: hexToBytes(VAULT_A),
        payload: {
          kind: 'RELEASE',
          settlementId: bytesToHex(sid),
          token: `0x${'c1'.repeat(20)}`,
          recipient: `0x${'d1'.repeat(20)}`,
          amount: 5n,
          toMarket: false,
        },
      });
      return bytesToHex(sid);
    };
    const s1 = mk();
    const s2 = mk();
    expect(s1).not.toBe(s2);
    expect(getSettlement(state, hexToBytes(s1))!.status).toBe(SETTLEMENT_STATUS.DISPATCHED);
    const ack = (sid: Hex, status: 'EXECUTED' | 'FAILED' | 'CANCELLED', sender = VAULT_A) => {
      const d = a.dispatch({ kind: 'ACK', settlementId: sid, status, detail: '0x' }, { sender });
      applyProcessMessage(
        state,
        processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS.slice(0, 2))),
        ctxAt(4n),
      );
      return getInbound(state, hexToBytes(d.id))!.result;
    };
    expect(ack(s1, 'EXECUTED', ADAPTER_A)).toBe(RESULT.ACK_WRONG_SOURCE);
    expect(ack(s1, 'EXECUTED')).toBe(RESULT.ACK_RECORDED);
    expect(ack(s1, 'FAILED')).toBe(RESULT.ACK_DUPLICATE);
    expect(ack(`0x${'77'.repeat(32)}`, 'EXECUTED')).toBe(RESULT.ACK_UNKNOWN_SETTLEMENT);
    expect(ack(s2, 'CANCELLED')).toBe(RESULT.ACK_RECORDED);
    const r1 = getSettlement(state, hexToBytes(s1))!;
    expect([r1.status, r1.ackStatus, r1.ackStage]).toEqual([
      SETTLEMENT_STATUS.ACKNOWLEDGED,
      1,
      STAGE.PROVISIONAL,
    ]);
    expect(getSettlement(state, hexToBytes(s2))!.status).toBe(SETTLEMENT_STATUS.CANCELLED);
  });

  it('refunds an unknown-token deposit with a RELEASE only once it is final', async () => {
    const state = await bridgeState();
    const a = simA();
    const depositor = `0x${'d5'.repeat(20)}` as const;
    const d = a.dispatch({ kind: 'DEPOSIT', depositor, token: JUNK_A, amount: 77n, depositNonce: 1n });
    applyProcessMessage(
      state,
      processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS.slice(0, 2)), TIER.FAST),
      ctxAt(2n),
    );
    expect(outboxCount(state)).toBe(0);
    const cp = a.checkpoint(0, FINAL_KEYS.slice(0, 2));
    applyConfirmFinality(
      state,
      {
        relayer: RELAYER,
        origin: ORIGIN_A,
        ...cp,
        proofs: [{ messageId: hexToBytes(d.id), leafIndex: 0, proof: a.proof(0, 0) }],
      },
      ctxAt(3n),
    );
    expect(outboxCount(state)).toBe(1);
    const m = decodeMessage(outboxMessage(state, 0)!);
    expect([m.destination, m.recipient, m.origin, m.sender]).toEqual([
      ORIGIN_A,
      VAULT_A,
      HUB_DOMAIN,
      HUB_SENDER,
    ]);
    const p = decodeAppPayload(m.body, { direction: 'outbound' });
    expect(p).toMatchObject({
      kind: 'RELEASE',
      token: JUNK_A,
      recipient: depositor,
      amount: 77n,
      toMarket: false,
    });
    const rec = getInbound(state, hexToBytes(d.id))!;
    expect(bytesToHex(rec.settlementId)).toBe((p as { settlementId: Hex }).settlementId);
    expect(getSettlement(state, rec.settlementId)!.cause).toEqual(hexToBytes(d.id));
  });
});

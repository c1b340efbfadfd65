/**
 * MsgProcessMessage on a memory state: every bad-input case has its own receipt code (named
 * fixtures, one row each), a valid delivery credits the ledger provisionally (fast) or finally
 * (final), replays are refused, business failures are recorded without failing delivery.
 */
import { describe, expect, it } from 'vitest';
import { addressToBytes32, bytesToHex, encodeAppPayload, hexToBytes } from '../../../bridge/index.ts';
import {
  accountHolder,
  applyProcessMessage,
  checkProcessMessage,
  evmHolder,
  getBalance,
  getInbound,
  isChainError,
  RESULT,
  STAGE,
  setEvmLink,
  TIER,
} from '../../../chain/index.ts';
import {
  ADAPTER_A,
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FINAL_KEYS,
  HOOK_B,
  JUNK_A,
  ORIGIN_A,
  processMsg,
  STRANGER_KEY,
  simA,
  simB,
  USDC_A,
  VAULT_B,
} from './fixtures.ts';

const DEPOSITOR = `0x${'d1'.repeat(20)}` as const;
const deposit = (amount: bigint, token = USDC_A, depositor: `0x${string}` = DEPOSITOR) =>
  ({ kind: 'DEPOSIT', depositor, token, amount, depositNonce: 0n }) as const;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isChainError(e)) return e.code;
    throw e;
  }
  return 'OK';
}

describe('MsgProcessMessage checks', () => {
  it('gives each bad input its own code (table)', async () => {
    const state = await bridgeState();
    const a = simA();
    const b = simB();
    const d = a.dispatch(deposit(5n));
    const good = a.messageIdMetadata(d, FAST_KEYS.slice(0, 2));
    const hs = (h: Uint8Array) => {
      const x = h.slice();
      return x;
    };
    const mutate = (m: Uint8Array, at: number, v: number) => {
      const x = hs(m);
      x[at] = v;
      return x;
    };
    const sig = (meta: Uint8Array, i: number) => meta.subarray(68 + 65 * i, 68 + 65 * (i + 1));
    const withSigs = (meta: Uint8Array, sigs: Uint8Array[]) => {
      const out = new Uint8Array(68 + 65 * sigs.length);
      out.set(meta.subarray(0, 68));
      sigs.forEach((s, i) => {
        out.set(s, 68 + 65 * i);
      });
      return out;
    };
    const highS = (s: Uint8Array) => {
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const x = s.slice();
      const sv = BigInt(bytesToHex(s.subarray(32, 64)));
      x.set(hexToBytes(`0x${(n - sv).toString(16).padStart(64, '0')}`), 32);
      x[64] = x[64] === 27 ? 28 : 27;
      return x;
    };
    const wrongDest = a.dispatch(deposit(1n), { destination: 1 });
    const unenrolled = a.dispatch(deposit(1n), { sender: addressToBytes32(`0x${'ee'.repeat(20)}`) });
    const wrongRecipient = a.dispatch(deposit(1n), { recipient: VAULT_B });
    const onB = b.dispatch(deposit(1n), { sender: VAULT_B });
    // A's message relabelled to origin B (same validators there): the signatures name origin A.
    const relabelled = mutate(d.message, 8, ORIGIN_A === 31337 ? 0x6a : 0);
    const cases: [string, Uint8Array, Uint8Array, string, number?][] = [
      ['valid', d.message, good, 'OK'],
      ['too short', d.message.subarray(0, 50), good, 'BRIDGE_MESSAGE_TOO_SHORT'],
      ['version 2', mutate(d.message, 0, 2), good, 'BRIDGE_MESSAGE_VERSION'],
      [
        'wrong destination',
        wrongDest.message,
        a.messageIdMetadata(wrongDest, FAST_KEYS),
        'HUB_WRONG_DESTINATION',
      ],
      ['unknown origin', mutate(d.message, 8, 0x00), good, 'HUB_ORIGIN_UNKNOWN'],
      ['below threshold', d.message, withSigs(good, [sig(good, 0)]), 'BRIDGE_ISM_BELOW_THRESHOLD'],
      ['truncated metadata', d.message, good.subarray(0, 100), 'BRIDGE_METADATA_TRUNCATED'],
      ['misordered', d.message, withSigs(good, [sig(good, 1), sig(good, 0)]), 'BRIDGE_ISM_MISORDERED'],
      [
        'same validator twice',
        d.message,
        withSigs(good, [sig(good, 0), sig(good, 0)]),
        'BRIDGE_ISM_DUPLICATE_VALIDATOR',
      ],
      [
        'wrong signer',
        d.message,
        a.messageIdMetadata(d, [FAST_KEYS[0]!, STRANGER_KEY]),
        'BRIDGE_ISM_UNKNOWN_SIGNER',
      ],
      ['high s', d.message, withSigs(good, [highS(sig(good, 0)), sig(good, 1)]), 'BRIDGE_SIG_HIGH_S'],
      [
        'v = 0',
        d.message,
        withSigs(good, [mutate(sig(good, 0), 64, sig(good, 0)[64]! - 27), sig(good, 1)]),
        'BRIDGE_SIG_BAD_V',
      ],
      ['tampered body', mutate(d.message, d.message.length - 1, 9), good, 'BRIDGE_ISM_MESSAGE_MISMATCH'],
      ['relabelled origin', relabelled, good, 'BRIDGE_ISM_WRONG_ORIGIN'],
      [
        'unpinned tree hook',
        d.message,
        a.messageIdMetadata(d, FAST_KEYS.slice(0, 2), { hook: HOOK_B }),
        'BRIDGE_ISM_TREE_HOOK_UNPINNED',
      ],
      [
        'unenrolled sender',
        unenrolled.message,
        a.messageIdMetadata(unenrolled, FAST_KEYS),
        'HUB_SENDER_NOT_ENROLLED',
      ],
      [
        'wrong recipient',
        wrongRecipient.message,
        a.messageIdMetadata(wrongRecipient, FAST_KEYS),
        'HUB_RECIPIENT_UNKNOWN',
      ],
      ['origin B valid', onB.message, b.messageIdMetadata(onB, FAST_KEYS.slice(1)), 'OK'],
      ['tier 7', d.message, good, 'HUB_TIER_INVALID', 7],
      ['final tier with fast signatures', d.message, good, 'BRIDGE_ISM_MESSAGE_MISMATCH', TIER.FINAL],
    ];
    for (const [name, message, metadata, want, tier] of cases) {
      expect(
        codeOf(() => checkProcessMessage(state, processMsg(message, metadata, tier ?? 0))),
        name,
      ).toBe(want);
    }
  });

  it('credits a fast delivery provisionally and refuses its replay', async () => {
    const state = await bridgeState();
    const a = simA();
    const d = a.dispatch(deposit(1_000_000n));
    const r = applyProcessMessage(
      state,
      processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS.slice(0, 2))),
      ctxAt(5n),
    );
    expect(r.events[0]!.type).toBe('hyperlane.process');
    const holder = evmHolder(hexToBytes(DEPOSITOR));
    expect(getBalance(state, holder, ORIGIN_A, hexToBytes(USDC_A), STAGE.PROVISIONAL)).toBe(1_000_000n);
    expect(getBalance(state, holder, ORIGIN_A, hexToBytes(USDC_A), STAGE.FINAL)).toBe(0n);
    const rec = getInbound(state, hexToBytes(d.id))!;
    expect([rec.stage, rec.result, rec.leafIndex, rec.deliveredHeight]).toEqual([
      STAGE.PROVISIONAL,
      RESULT.DEPOSIT_HELD,
      0,
      5n,
    ]);
    expect(
      codeOf(() =>
        applyProcessMessage(state, processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS)), ctxAt(6n)),
      ),
    ).toBe('HUB_MESSAGE_REPLAYED');
    // A final-tier delivery of the same id is a replay too: the replay set records delivery.
    expect(
      codeOf(() =>
        applyProcessMessage(state, processMsg(d.message, a.messageIdMetadata(d, FINAL_KEYS), 2), ctxAt(6n)),
      ),
    ).toBe('HUB_MESSAGE_REPLAYED');
  });

  it('credits a linked depositor final at once with final metadata (AUTO picks the tier)', async () => {
    const state = await bridgeState();
    const account = new Uint8Array(20).fill(42);
    setEvmLink(state, hexToBytes(DEPOSITOR), account);
    const a = simA();
    const d = a.dispatch(deposit(7n));
    applyProcessMessage(state, processMsg(d.message, a.messageIdMetadata(d, FINAL_KEYS.slice(1))), ctxAt(3n));
    expect(getBalance(state, accountHolder(account), ORIGIN_A, hexToBytes(USDC_A), STAGE.FINAL)).toBe(7n);
    expect(getInbound(state, hexToBytes(d.id))!.result).toBe(RESULT.DEPOSIT_CREDITED);
  });

  it('records business failures and still delivers', async () => {
    const state = await bridgeState();
    const a = simA();
    const rows: [string, Uint8Array, `0x${string}` | undefined, number][] = [
      ['garbage body', Uint8Array.of(0x01, 0xff), undefined, RESULT.PAYLOAD_INVALID],
      [
        'outbound kind',
        encodeAppPayload({
          kind: 'CANCEL',
          settlementId: `0x${'00'.repeat(32)}`,
          targetSettlementId: `0x${'00'.repeat(32)}`,
        }),
        undefined,
        RESULT.PAYLOAD_INVALID,
      ],
      ['deposit from adapter', encodeAppPayload(deposit(3n)), ADAPTER_A, RESULT.KIND_NOT_FROM_SENDER],
      [
        'unknown token (provisional: refund waits)',
        encodeAppPayload(deposit(3n, JUNK_A)),
        undefined,
        RESULT.DEPOSIT_TOKEN_UNKNOWN,
      ],
      [
        'ack of nothing',
        encodeAppPayload({
          kind: 'ACK',
          settlementId: `0x${'ab'.repeat(32)}`,
          status: 'EXECUTED',
          detail: '0x',
        }),
        undefined,
        RESULT.ACK_UNKNOWN_SETTLEMENT,
      ],
    ];
    for (const [name, body, sender, want] of rows) {
      const d = a.dispatch(body, sender === undefined ? {} : { sender });
      const r = applyProcessMessage(
        state,
        processMsg(d.message, a.messageIdMetadata(d, FAST_KEYS.slice(0, 2))),
        ctxAt(9n),
      );
      expect(getInbound(state, hexToBytes(d.id))?.result, name).toBe(want);
      expect(r.events.length, name).toBeGreaterThan(0);
    }
  });
});

/**
 * MsgSubmitReorgEvidence: two checkpoints for one (origin, index) with different roots, each side
 * verified against the origin's fast or final set; severity SIGNER / FAST / FINAL recorded on the
 * evidence and the origin; each bad input its own code; the same conflict recorded once unless its
 * severity rises.
 */
import { describe, expect, it } from 'vitest';
import {
  applySubmitReorgEvidence,
  getOriginState,
  isChainError,
  type MsgSubmitReorgEvidence,
  MsgSubmitReorgEvidenceResponseCodec,
  REORG_SEVERITY,
  reorgPrefix,
} from '../../../chain/index.ts';
import {
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FINAL_KEYS,
  ORIGIN_A,
  RELAYER,
  STRANGER_KEY,
  simA,
} from './fixtures.ts';

const body = (n: number) =>
  ({
    kind: 'DEPOSIT',
    depositor: `0x${'d1'.repeat(20)}`,
    token: `0x${'c1'.repeat(20)}`,
    amount: BigInt(n),
    depositNonce: 0n,
  }) as const;

// Two forks of origin A that agree up to leaf 0 and differ at leaf 1.
function forks() {
  const x = simA();
  const y = simA();
  x.dispatch(body(1));
  y.dispatch(body(1));
  x.dispatch(body(2));
  y.dispatch(body(3));
  return { x, y };
}

function evidence(keysX: readonly `0x${string}`[], keysY: readonly `0x${string}`[]): MsgSubmitReorgEvidence {
  const { x, y } = forks();
  const cx = x.checkpoint(1, keysX);
  const cy = y.checkpoint(1, keysY);
  return {
    submitter: RELAYER,
    origin: ORIGIN_A,
    index: 1,
    first: { root: cx.root, messageId: cx.messageId, signatures: cx.signatures },
    second: { root: cy.root, messageId: cy.messageId, signatures: cy.signatures },
  };
}

function codeOrSeverity(f: () => { response: Uint8Array }): string | number {
  try {
    return MsgSubmitReorgEvidenceResponseCodec.decode(f().response).severity;
  } catch (e) {
    if (isChainError(e)) return e.code;
    throw e;
  }
}

describe('MsgSubmitReorgEvidence', () => {
  it('classifies severity and refuses bad evidence with distinct codes (table)', async () => {
    const fast2 = FAST_KEYS.slice(0, 2);
    const final2 = FINAL_KEYS.slice(0, 2);
    const same = evidence(fast2, fast2);
    const rows: [string, MsgSubmitReorgEvidence, string | number][] = [
      ['one signer twice', evidence([FAST_KEYS[0]!], [FAST_KEYS[0]!]), REORG_SEVERITY.SIGNER],
      ['fast vs fast', same, REORG_SEVERITY.FAST],
      ['final vs fast', evidence(final2, fast2), REORG_SEVERITY.FAST],
      ['final vs final', evidence(final2, [FINAL_KEYS[2]!, FINAL_KEYS[0]!]), REORG_SEVERITY.FINAL],
      ['missing side', { ...same, second: undefined }, 'HUB_REORG_MISSING_SIDE'],
      ['same root', { ...same, second: same.first }, 'HUB_REORG_SAME_ROOT'],
      ['no signatures', { ...same, first: { ...same.first!, signatures: [] } }, 'HUB_REORG_NO_SIGNATURE'],
      ['stranger', evidence([STRANGER_KEY], fast2), 'HUB_REORG_UNKNOWN_SIGNER'],
      [
        'repeated signer',
        {
          ...same,
          first: { ...same.first!, signatures: [same.first!.signatures[0]!, same.first!.signatures[0]!] },
        },
        'HUB_REORG_DUPLICATE_SIGNER',
      ],
      [
        'bad v',
        {
          ...same,
          first: {
            ...same.first!,
            signatures: [Uint8Array.from([...same.first!.signatures[0]!.subarray(0, 64), 1])],
          },
        },
        'BRIDGE_SIG_BAD_V',
      ],
      ['wrong index', { ...same, index: 2 }, 'HUB_REORG_UNKNOWN_SIGNER'],
      ['unknown origin', { ...same, origin: 5 }, 'HUB_ORIGIN_UNKNOWN'],
      [
        'short root',
        { ...same, first: { ...same.first!, root: new Uint8Array(31) } },
        'HUB_CHECKPOINT_INVALID',
      ],
    ];
    for (const [name, msg, want] of rows) {
      const state = await bridgeState();
      expect(
        codeOrSeverity(() => applySubmitReorgEvidence(state, msg, ctxAt(3n))),
        name,
      ).toBe(want);
    }
  });

  it('records a conflict once, upgrades it when the severity rises, and flags the origin', async () => {
    const state = await bridgeState();
    const low = evidence([FAST_KEYS[1]!], [FAST_KEYS[1]!]);
    expect(codeOrSeverity(() => applySubmitReorgEvidence(state, low, ctxAt(3n)))).toBe(REORG_SEVERITY.SIGNER);
    expect(codeOrSeverity(() => applySubmitReorgEvidence(state, low, ctxAt(4n)))).toBe('HUB_REORG_KNOWN');
    // The same two roots in the other order are the same conflict.
    const swapped = { ...low, first: low.second, second: low.first };
    expect(codeOrSeverity(() => applySubmitReorgEvidence(state, swapped, ctxAt(4n)))).toBe('HUB_REORG_KNOWN');
    const high = evidence(FINAL_KEYS.slice(0, 2), FINAL_KEYS.slice(1));
    expect(codeOrSeverity(() => applySubmitReorgEvidence(state, high, ctxAt(5n)))).toBe(REORG_SEVERITY.FINAL);
    expect([...state.entries(reorgPrefix(ORIGIN_A))]).toHaveLength(1);
    const os = getOriginState(state, ORIGIN_A);
    expect([os.reorgSeverity, os.reorgHeight]).toEqual([REORG_SEVERITY.FINAL, 5n]);
  });
});

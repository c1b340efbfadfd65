/**
 * Replay idempotence at the STF level (fast-check): a random stream of inbound messages (deposits,
 * position reports, ACKs, garbage bodies), each applied a random number of times in random order,
 * leaves the same state as applying each once in first-seen order; every repeat throws
 * HUB_MESSAGE_REPLAYED and changes nothing. And a single flipped bit anywhere in the message or
 * the signature area never delivers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAppPayload, type InboundPayload } from '../../../bridge/index.ts';
import { applyProcessMessage, isChainError } from '../../../chain/index.ts';
import type { StateView } from '../../../state/index.ts';
import {
  ADAPTER_A,
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FINAL_KEYS,
  processMsg,
  simA,
  USDC_A,
  VAULT_A,
} from '../../unit/hyperlane/fixtures.ts';

const owner = (n: number) => `0x${(n + 1).toString(16).padStart(40, '0')}` as const;

const payloadArb: fc.Arbitrary<{ body: Uint8Array; sender: `0x${string}` }> = fc.oneof(
  fc.record({ who: fc.nat(3), amount: fc.bigInt({ min: 0n, max: 10n ** 30n }) }).map(({ who, amount }) => ({
    body: encodeAppPayload({
      kind: 'DEPOSIT',
      depositor: owner(who),
      token: USDC_A,
      amount,
      depositNonce: 0n,
    }),
    sender: VAULT_A,
  })),
  fc
    .record({
      who: fc.nat(3),
      seq: fc.bigInt({ min: 0n, max: 5n }),
      size: fc.bigInt({ min: 0n, max: 10n ** 20n }),
      pnl: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
    })
    .map(({ who, seq, size, pnl }) => {
      const p: InboundPayload = {
        kind: 'POSITION',
        owner: owner(who),
        instrumentId: `0x${'45'.repeat(32)}`,
        size,
        side: size === 0n ? 'FLAT' : 'LONG',
        entryPrice: 3000n,
        fundingIndex: -5n,
        realisedPnl: pnl,
        sequence: seq,
      };
      return { body: encodeAppPayload(p), sender: ADAPTER_A };
    }),
  fc.uint8Array({ maxLength: 80 }).map((body) => ({ body, sender: VAULT_A })),
);

function snapshot(s: StateView): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of s.changes()) out.set(k, v === null ? 'deleted' : Buffer.from(v).toString('hex'));
  return out;
}

describe('replay idempotence', () => {
  it('repeats throw HUB_MESSAGE_REPLAYED and leave the state of a single delivery', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(payloadArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.record({ msg: fc.nat(), final: fc.boolean() }), { maxLength: 12 }),
        async (payloads, repeats) => {
          const sim = simA();
          const msgs = payloads.map((p) => sim.dispatch(p.body, { sender: p.sender }));
          const meta = (i: number, final: boolean) =>
            sim.messageIdMetadata(msgs[i]!, (final ? FINAL_KEYS : FAST_KEYS).slice(0, 2));
          const once = await bridgeState();
          const many = await bridgeState();
          msgs.forEach((m, i) => {
            applyProcessMessage(once, processMsg(m.message, meta(i, false)), ctxAt(2n));
          });
          const order = [...msgs.keys(), ...repeats.map((r) => r.msg % msgs.length)];
          const seen = new Set<number>();
          for (const [j, i] of order.entries()) {
            const final = j >= msgs.length && repeats[j - msgs.length]!.final;
            const before = snapshot(many);
            many.checkpoint();
            try {
              applyProcessMessage(many, processMsg(msgs[i]!.message, meta(i, final)), ctxAt(2n));
              expect(seen.has(i), `message ${i} applied twice`).toBe(false);
              seen.add(i);
              many.commit();
            } catch (e) {
              if (!isChainError(e, 'HUB_MESSAGE_REPLAYED')) throw e;
              expect(seen.has(i)).toBe(true);
              many.revert();
              expect(snapshot(many)).toEqual(before);
            }
          }
          expect(snapshot(many)).toEqual(snapshot(once));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a single flipped bit in the message or the signatures never delivers', async () => {
    const state = await bridgeState();
    const sim = simA();
    const m = sim.dispatch(
      encodeAppPayload({ kind: 'DEPOSIT', depositor: owner(1), token: USDC_A, amount: 5n, depositNonce: 0n }),
    );
    const meta = sim.messageIdMetadata(m, FAST_KEYS.slice(0, 2));
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), (inMessage, at, bit) => {
        const message = m.message.slice();
        const metadata = meta.slice();
        if (inMessage) message[at % message.length]! ^= 1 << bit;
        else metadata[68 + (at % (metadata.length - 68))]! ^= 1 << bit;
        state.checkpoint();
        try {
          applyProcessMessage(state, processMsg(message, metadata), ctxAt(2n));
          throw new Error('a mutated delivery was accepted');
        } catch (e) {
          if (!isChainError(e)) throw e;
        } finally {
          state.revert();
        }
      }),
      { numRuns: 300 },
    );
  });
});

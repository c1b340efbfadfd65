/**
 * Replay determinism (fast-check): random tx streams — valid links, links with bad signatures,
 * reused nonces or expired deadlines, params updates by the authority and by others, valid and
 * invalid params, multi-message txs whose second message fails — go through the real node path
 * (CheckTx, mempool, sequencer, HubStore on a memory KV). Replaying the stored blocks from
 * genesis into a fresh memory store gives the same root at every height and the same receipts.
 */

import { Any } from 'cosmjs-types/google/protobuf/any';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  bech32FromPubKey,
  DEFAULT_PARAMS,
  MsgUpdateParamsCodec,
  secp,
  TYPE_URL,
} from '../../../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import { HubNode } from '../../../chain/node/hubNode.ts';
import { replayStore } from '../../../chain/node/openStore.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const KEYS = [0, 1, 2, 3].map(devnetPrivateKey);
const EVM_KEYS = [10, 11, 12, 13, 14].map(devnetPrivateKey);

type Action =
  | { kind: 'link'; from: number; evm: number; badSig: boolean; reuseNonce: boolean; expired: boolean }
  | { kind: 'params'; from: number; valid: boolean }
  | { kind: 'multi'; from: number; evm: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('link' as const),
    from: fc.nat(3),
    evm: fc.nat(4),
    badSig: fc.boolean(),
    reuseNonce: fc.boolean(),
    expired: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('params' as const), from: fc.nat(3), valid: fc.boolean() }),
  fc.record({ kind: fc.constant('multi' as const), from: fc.nat(3), evm: fc.nat(4) }),
);

describe('replay determinism', () => {
  it('replaying stored blocks from genesis gives the same root at every height', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(action, { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (blocks) => {
          const seqKey = generateSequencerKey();
          const genesis = devnetGenesis(seqKey.publicKey, {
            accounts: 4,
            genesisTimeMs: BigInt(Date.now() - 1000),
          });
          const store = await HubStore.open(new MemoryKv());
          const node = await HubNode.open({
            genesis,
            store,
            logger: pino({ level: 'silent' }),
            sequencerKey: seqKey,
            sigThreads: 0,
          });
          const seq = [0n, 0n, 0n, 0n];
          const nonce = [0n, 0n, 0n, 0n];
          let included = 0;
          try {
            for (const block of blocks) {
              for (const a of block) {
                const priv = KEYS[a.from]!;
                const now = BigInt(Date.now());
                let msgs: Any[];
                if (a.kind === 'params') {
                  const params = a.valid
                    ? { ...DEFAULT_PARAMS, gasPerMsg: 11_000n }
                    : { ...DEFAULT_PARAMS, maxTxBytes: 10n };
                  const authority = bech32FromPubKey(secp.publicKeyCreate(priv, true));
                  msgs = [
                    Any.fromPartial({
                      typeUrl: TYPE_URL.MsgUpdateParams,
                      value: MsgUpdateParamsCodec.toBytes({ authority, params }),
                    }),
                  ];
                } else {
                  const n = a.kind === 'link' && a.reuseNonce ? nonce[a.from]! : ++nonce[a.from]!;
                  const expiry = a.kind === 'link' && a.expired ? now - 10_000n : now + 600_000n;
                  const first = linkMsg({
                    privKey: priv,
                    evmPrivKey: EVM_KEYS[a.evm]!,
                    chainId: CHAIN,
                    nonce: n,
                    expiryMs: expiry,
                    badSignature: a.kind === 'link' && a.badSig,
                  });
                  // multi: the same link twice — the second fails (nonce not above the first's).
                  msgs = a.kind === 'multi' ? [first, first] : [first];
                }
                const bytes = signTx({
                  privKey: priv,
                  accountNumber: BigInt(a.from),
                  sequence: seq[a.from]!,
                  chainId: CHAIN,
                  msgs,
                });
                const r = await node.checkTx(bytes);
                expect(r.code, r.log).toBe(0);
                seq[a.from]!++;
                included++;
              }
              await node.produceBlock();
            }
            const report = await replayStore(store, genesis, { verifyEveryHeight: true });
            expect(report.ok, report.message).toBe(true);
            expect(report.txHashes.size).toBe(included);
          } finally {
            await node.stop();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

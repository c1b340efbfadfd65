/**
 * The devnet's light hub tx signer produces the same bytes as `bridge/agents`' `signHubTx` (a
 * separate implementation), and its type URLs are the hub's.
 */
import { describe, expect, it } from 'vitest';
import { hubSignerOf, signHubTx } from '../../../bridge/agents/hubTx.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import {
  ORACLE_MSG_TYPE_URL,
  oracleUpdateAny,
  signTx,
  updateOracleConfigAny,
} from '../../../devnet/hubTx.ts';
import { devnetKey } from '../../../devnet/keys.ts';

describe('devnet hub tx signing', () => {
  it('uses the hub’s oracle type URLs', () => {
    expect(ORACLE_MSG_TYPE_URL).toEqual(ORACLE_TYPE_URL);
  });
  const cases: [string, bigint, bigint, bigint][] = [
    ['first tx', 0n, 0n, 200_000n],
    ['large sequence', 7n, 123_456_789n, 5_000_000n],
    ['2^31 boundary', 2n ** 31n, 2n ** 31n + 1n, 2n ** 32n],
  ];
  for (const [name, accountNumber, sequence, gasLimit] of cases) {
    it(`signs the same bytes as bridge/agents signHubTx: ${name}`, () => {
      const key = devnetKey(8);
      const signer = hubSignerOf(key);
      const msgs = [
        oracleUpdateAny({
          submitter: signer.address,
          observations: [
            {
              feed: 'ETH/USD',
              value: '3000',
              confidence: '1',
              timestampMs: 5n,
              signature: new Uint8Array(65).fill(1),
            },
          ],
        }),
        updateOracleConfigAny({ authority: signer.address, config: undefined }),
      ];
      const mine = signTx({
        privateKey: Buffer.from(key.slice(2), 'hex'),
        chainId: 'unimargin-devnet-1',
        accountNumber,
        sequence,
        msgs,
        gasLimit,
      });
      const theirs = signHubTx({
        signer,
        chainId: 'unimargin-devnet-1',
        accountNumber,
        sequence,
        msgs,
        gasLimit,
      });
      expect(Buffer.from(mine).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    });
  }
});

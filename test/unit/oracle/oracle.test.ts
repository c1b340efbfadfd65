/**
 * The oracle committee: observations signed by viem (an independent EIP-191 signer) recover to
 * their signers; the hashed encoding equals ethers v5's ABI coder (an independent implementation);
 * medians, the time window, committee membership, duplicates, too few observations, large moves
 * and staleness behave as chain/oracle/README (DESIGN "Oracle") says, each failure with its code.
 */

import { Any } from 'cosmjs-types/google/protobuf/any';
import { utils as ethersUtils } from 'ethers';
import { type Hex, keccak256 as viemKeccak } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeEach, describe, expect, it } from 'vitest';
import { ERROR_TABLE, initChain, toHex } from '../../../chain/index.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import {
  aggregate,
  applyOracleUpdate,
  MsgOracleUpdateCodec,
  MsgUpdateOracleConfigCodec,
  type OracleConfig,
  type OracleObservation,
  observationHash,
  readPrice,
  staleness,
  validateOracleConfig,
  writeOracleConfig,
} from '../../../chain/oracle/index.ts';
import { applyBlock } from '../../../chain/stf/applyBlock.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import type { StateView } from '../../../state/types.ts';
import { signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const SIGNER_KEYS = [50, 51, 52, 53, 54].map(devnetPrivateKey);
const SIGNERS = SIGNER_KEYS.map((k) => privateKeyToAccount(`0x${toHex(k)}` as Hex));
const OUTSIDER = privateKeyToAccount(`0x${toHex(devnetPrivateKey(60))}` as Hex);
const NOW = 1_800_000_000_000n;
const E18 = 10n ** 18n;

const config: OracleConfig = {
  signers: SIGNERS.map((a) => Buffer.from(a.address.slice(2), 'hex')),
  minObservations: 3,
  superMajority: 4,
  windowMs: 10_000n,
  maxJumpPpm: 100_000n, // 10%
  staleWithdrawalsMs: 60_000n,
  staleLiquidationsMs: 300_000n,
  liquidationGraceMs: 120_000n,
};

async function observe(
  signer: (typeof SIGNERS)[number],
  feed: string,
  value: bigint,
  o: { conf?: bigint; t?: bigint } = {},
): Promise<OracleObservation> {
  const confidence = o.conf ?? E18;
  const timestampMs = o.t ?? NOW;
  const hash = toHex(observationHash(CHAIN, feed, value, confidence, timestampMs));
  const sig = await signer.signMessage({ message: { raw: `0x${hash}` } });
  return {
    feed,
    value: value.toString(),
    confidence: confidence.toString(),
    timestampMs,
    signature: Buffer.from(sig.slice(2), 'hex'),
  };
}

let view: StateView;
const ctx = { chainId: CHAIN, height: 10n, timeMs: NOW, authority: 'umg1x', signer: new Uint8Array(20) };
beforeEach(async () => {
  view = (await HubStore.open(new MemoryKv())).view();
  writeOracleConfig(view, config);
});

const run = (observations: OracleObservation[]) =>
  applyOracleUpdate(view, { submitter: 'umg1x', observations }, ctx);
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'OK';
};

describe('observation encoding', () => {
  it('hashes what ethers v5 ABI-encodes', () => {
    for (const [feed, v, c, t] of [
      ['ETH/USD', 3_000n * E18, E18, NOW],
      ['ETH/USD:svi.rho:1767225600', -(3n * E18) / 10n, (9n * E18) / 10n, NOW + 5n],
    ] as const) {
      const ours = toHex(observationHash(CHAIN, feed, v, c, t));
      const enc = ethersUtils.defaultAbiCoder.encode(
        ['string', 'string', 'string', 'int256', 'uint256', 'uint64'],
        ['UNIMARGIN_ORACLE', CHAIN, feed, v.toString(), c.toString(), t.toString()],
      );
      expect(`0x${ours}`).toBe(ethersUtils.keccak256(enc));
      expect(`0x${ours}`).toBe(viemKeccak(enc as Hex));
    }
  });
});

describe('MsgOracleUpdate', () => {
  it('takes the lower median of the committee’s observations', async () => {
    const vals = [100n, 103n, 101n, 250n].map((x) => x * E18);
    const r = run(await Promise.all(vals.map((v, i) => observe(SIGNERS[i]!, 'ETH/USD', v))));
    expect(r.events[0]!.type).toBe('unimargin.v1.EventOraclePrice');
    // sorted 100, 101, 103, 250 → lower median 101 (an observed value; the outlier moves nothing)
    expect(readPrice(view, 'ETH/USD')!.value).toBe((101n * E18).toString());
    expect(readPrice(view, 'ETH/USD')!.observations).toBe(4);
  });

  it('skips a feed with too few observations and keeps the others', async () => {
    const obs = [
      ...(await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'BTC/USD', 60_000n * E18)))),
      ...(await Promise.all([0, 1].map((i) => observe(SIGNERS[i]!, 'SOL/USD', 150n * E18)))),
    ];
    const r = run(obs);
    expect(readPrice(view, 'BTC/USD')).toBeDefined();
    expect(readPrice(view, 'SOL/USD')).toBeUndefined();
    const skipped = r.events.find((e) => e.type === 'unimargin.v1.EventOracleSkipped')!;
    expect(skipped.attributes.find((a) => a.key === 'reason')!.value).toBe('TOO_FEW');
  });

  it('needs a super-majority for a large move, and takes it with one', async () => {
    run(await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 100n * E18))));
    const t = NOW + 1n;
    run(await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 70n * E18, { t }))));
    expect(readPrice(view, 'ETH/USD')!.value).toBe((100n * E18).toString());
    run(await Promise.all([0, 1, 2, 3].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 70n * E18, { t }))));
    expect(readPrice(view, 'ETH/USD')!.value).toBe((70n * E18).toString());
  });

  it('never moves a price back in time', async () => {
    run(await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 100n * E18))));
    run(
      await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 101n * E18, { t: NOW - 1n }))),
    );
    expect(readPrice(view, 'ETH/USD')!.value).toBe((100n * E18).toString());
  });

  it('refuses bad observations with a code naming the observation', async () => {
    const good = await observe(SIGNERS[0]!, 'ETH/USD', 100n * E18);
    const cases: [string, () => Promise<OracleObservation[]>, string][] = [
      ['an outsider', async () => [await observe(OUTSIDER, 'ETH/USD', E18)], 'ORACLE_UNKNOWN_SIGNER'],
      [
        'a signer twice on a feed',
        async () => [good, await observe(SIGNERS[0]!, 'ETH/USD', 101n * E18)],
        'ORACLE_DUPLICATE_SIGNER',
      ],
      [
        'outside the window',
        async () => [await observe(SIGNERS[1]!, 'ETH/USD', E18, { t: NOW - 10_001n })],
        'ORACLE_OBSERVATION_WINDOW',
      ],
      [
        'a value the signature does not cover',
        async () => [{ ...good, value: (99n * E18).toString() }],
        'ORACLE_UNKNOWN_SIGNER',
      ],
      [
        'a truncated signature',
        async () => [{ ...good, signature: good.signature.subarray(0, 64) }],
        'ORACLE_SIGNATURE',
      ],
      ['a non-decimal value', async () => [{ ...good, value: '1e18' }], 'ORACLE_OBSERVATION_INVALID'],
      [
        'a confidence above 1',
        async () => [{ ...good, confidence: (E18 + 1n).toString() }],
        'ORACLE_OBSERVATION_INVALID',
      ],
      ['a feed id with a space', async () => [{ ...good, feed: 'ETH USD' }], 'ORACLE_OBSERVATION_INVALID'],
      ['no observations', async () => [], 'ORACLE_OBSERVATION_INVALID'],
    ];
    for (const [name, obs, code] of cases) {
      const o = await obs();
      expect(
        codeOf(() => run(o)),
        name,
      ).toBe(code);
    }
    expect(readPrice(view, 'ETH/USD')).toBeUndefined();
  });

  it('goes through a real block: a failing update reverts, a good one applies', async () => {
    const store = await HubStore.open(new MemoryKv());
    const v = store.view();
    const g = devnetGenesis(generateSequencerKey().publicKey, { accounts: 2, genesisTimeMs: NOW - 1000n });
    initChain(v, g);
    const key = devnetPrivateKey(0);
    const cfg = Any.fromPartial({
      typeUrl: ORACLE_TYPE_URL.MsgUpdateOracleConfig,
      value: MsgUpdateOracleConfigCodec.toBytes({ authority: g.authority, config }),
    });
    const obs = await Promise.all([0, 1, 2].map((i) => observe(SIGNERS[i]!, 'ETH/USD', 3_000n * E18)));
    const upd = Any.fromPartial({
      typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
      value: MsgOracleUpdateCodec.toBytes({ submitter: g.authority, observations: obs }),
    });
    const txs = [
      signTx({ privKey: key, accountNumber: 0n, sequence: 0n, chainId: CHAIN, msgs: [upd] }),
      signTx({ privKey: key, accountNumber: 0n, sequence: 1n, chainId: CHAIN, msgs: [cfg, upd] }),
    ];
    const r = applyBlock(v, { height: 1n, timeMs: NOW, txs }, { chainId: CHAIN, authority: g.authority });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.results[0]!.code).toBe(ERROR_TABLE.oracle.ORACLE_NOT_CONFIGURED);
    expect(r.results[1]!.code, r.results[1]!.log).toBe(0);
    expect(readPrice(v, 'ETH/USD')!.value).toBe((3_000n * E18).toString());
  });
});

describe('config and staleness', () => {
  it('refuses invalid configs naming the field', () => {
    const cases: [Partial<OracleConfig>, string][] = [
      [{ signers: [] }, 'signers'],
      [
        { signers: [config.signers[0]!, config.signers[0]!], minObservations: 1, superMajority: 1 },
        'signers[1]',
      ],
      [{ minObservations: 6 }, 'minObservations'],
      [{ superMajority: 2 }, 'superMajority'],
      [{ windowMs: 0n }, 'windowMs'],
      [{ staleLiquidationsMs: 1n }, 'staleLiquidationsMs'],
    ];
    for (const [patch, field] of cases) {
      let msg = '';
      try {
        validateOracleConfig({ ...config, ...patch });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, field).toContain(`oracle.${field}`);
    }
  });

  it('stops withdrawals before liquidations, and liquidations resume only after the grace', () => {
    const p = { value: '1', confidence: '1', timestampMs: NOW, height: 1n, observations: 3 };
    expect(staleness(p, NOW + 30_000n, config)).toEqual({
      blocksWithdrawals: false,
      blocksLiquidations: false,
    });
    expect(staleness(p, NOW + 61_000n, config)).toEqual({
      blocksWithdrawals: true,
      blocksLiquidations: false,
    });
    expect(staleness(p, NOW + 301_000n, config)).toEqual({
      blocksWithdrawals: true,
      blocksLiquidations: true,
    });
    expect(staleness(p, NOW + 1_000n, config, NOW)).toEqual({
      blocksWithdrawals: false,
      blocksLiquidations: true,
    });
    expect(staleness(p, NOW + 121_000n, config, NOW)).toEqual({
      blocksWithdrawals: true,
      blocksLiquidations: false,
    });
    expect(staleness(undefined, NOW, config)).toEqual({ blocksWithdrawals: true, blocksLiquidations: true });
  });

  it('aggregate alone: even counts take the lower middle', () => {
    const o = (v: bigint) => ({ signerHex: String(v), value: v, confidence: E18, timestampMs: NOW });
    const r = aggregate([o(4n), o(1n), o(3n), o(2n)], { ...config, minObservations: 1 }, undefined);
    expect(r.ok && r.value).toBe(2n);
  });
});

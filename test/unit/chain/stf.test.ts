/**
 * STF rules on a memory store, table-driven: MsgLinkEvmAddress (valid, expired, too far ahead,
 * reused nonce, signature by another key, malformed address, already linked, relink moves the
 * address), MsgUpdateParams (authority only, validated), a failing message reverts its tx's
 * messages but keeps the sequence increment, and an invalid tx makes the whole block invalid
 * with state untouched.
 */
import { Any } from 'cosmjs-types/google/protobuf/any';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyBlock,
  bech32FromPubKey,
  DEFAULT_PARAMS,
  ERROR_TABLE,
  evmAddressBytes,
  getAccount,
  getEvmLink,
  initChain,
  MsgLinkEvmAddressCodec,
  MsgUpdateParamsCodec,
  parseBech32,
  readParams,
  secp,
  TYPE_URL,
  toChecksumAddress,
  toHex,
} from '../../../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import type { StateView } from '../../../state/types.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const K = [0, 1, 2].map(devnetPrivateKey);
const EVM = devnetPrivateKey(40);
const addr = (i: number) => bech32FromPubKey(secp.publicKeyCreate(K[i]!, true));
const NOW = 1_800_000_000_000n;
const genesis = devnetGenesis(generateSequencerKey().publicKey, { accounts: 3, genesisTimeMs: NOW - 1000n });
const config = { chainId: CHAIN, authority: genesis.authority };

let view: StateView;
let height: bigint;
const seq = [0n, 0n, 0n];

beforeEach(async () => {
  const store = await HubStore.open(new MemoryKv());
  view = store.view();
  initChain(view, genesis);
  height = 1n;
  seq.fill(0n);
});

function run(from: number, msgs: Any[]) {
  const tx = signTx({
    privKey: K[from]!,
    accountNumber: BigInt(from),
    sequence: seq[from]!,
    chainId: CHAIN,
    msgs,
  });
  const r = applyBlock(view, { height: height++, timeMs: NOW, txs: [tx] }, config);
  if (!r.ok) throw r.error;
  seq[from]!++;
  return r.results[0]!;
}

const link = (
  from: number,
  o: Partial<{ nonce: bigint; expiryMs: bigint; evm: Uint8Array; bad: boolean }> = {},
) =>
  linkMsg({
    privKey: K[from]!,
    evmPrivKey: o.evm ?? EVM,
    chainId: CHAIN,
    nonce: o.nonce ?? 1n,
    expiryMs: o.expiryMs ?? NOW + 60_000n,
    badSignature: o.bad ?? false,
  });
const evmOf = (priv: Uint8Array) => evmAddressBytes(secp.publicKeyCreate(priv, true));

describe('MsgLinkEvmAddress', () => {
  const cases: [string, () => Any, number][] = [
    ['a valid link', () => link(1), 0],
    ['an expired signature', () => link(1, { expiryMs: NOW - 1n }), ERROR_TABLE.auth.AUTH_LINK_EXPIRED],
    [
      'an expiry beyond the validity window',
      () => link(1, { expiryMs: NOW + DEFAULT_PARAMS.maxLinkValidityMs + 1n }),
      ERROR_TABLE.auth.AUTH_LINK_EXPIRED,
    ],
    ['a zero nonce', () => link(1, { nonce: 0n }), ERROR_TABLE.auth.AUTH_LINK_NONCE],
    ['a signature over other text', () => link(1, { bad: true }), ERROR_TABLE.auth.AUTH_LINK_SIGNATURE],
    [
      'a malformed address',
      () => {
        const m = MsgLinkEvmAddressCodec.decode(link(1).value);
        return Any.fromPartial({
          typeUrl: TYPE_URL.MsgLinkEvmAddress,
          value: MsgLinkEvmAddressCodec.toBytes({ ...m, evmAddress: '0x1234' }),
        });
      },
      ERROR_TABLE.auth.AUTH_LINK_EVM_ADDRESS,
    ],
    [
      'another key’s signature',
      () => {
        const m = MsgLinkEvmAddressCodec.decode(link(1).value);
        return Any.fromPartial({
          typeUrl: TYPE_URL.MsgLinkEvmAddress,
          value: MsgLinkEvmAddressCodec.toBytes({ ...m, evmAddress: toChecksumAddress(evmOf(K[2]!)) }),
        });
      },
      ERROR_TABLE.auth.AUTH_LINK_SIGNATURE,
    ],
  ];
  for (const [name, msg, code] of cases) {
    it(`${name} → code ${code}`, () => {
      const r = run(1, [msg()]);
      expect(r.code, r.log).toBe(code);
      if (code !== 0) {
        expect(r.log.startsWith('AUTH_')).toBe(true);
        expect(getEvmLink(view, evmOf(EVM))).toBeUndefined();
      } else {
        expect(toHex(getEvmLink(view, evmOf(EVM))!)).toBe(toHex(parse(1)));
      }
      // Included either way: the sequence moved.
      expect(getAccount(view, parse(1))!.sequence).toBe(1n);
    });
  }

  it('refuses a repeated link and a reused nonce, and moves an address on relink', () => {
    expect(run(1, [link(1, { nonce: 1n })]).code).toBe(0);
    expect(run(1, [link(1, { nonce: 2n })]).code).toBe(ERROR_TABLE.auth.AUTH_LINK_ALREADY);
    expect(run(2, [link(2, { nonce: 1n })]).code).toBe(0);
    expect(toHex(getEvmLink(view, evmOf(EVM))!)).toBe(toHex(parse(2)));
    expect(run(2, [link(2, { nonce: 1n, evm: devnetPrivateKey(41) })]).code).toBe(
      ERROR_TABLE.auth.AUTH_LINK_NONCE,
    );
  });

  it('a failing second message reverts the first, the sequence still moves', () => {
    const r = run(1, [link(1, { nonce: 5n }), link(1, { nonce: 5n, evm: devnetPrivateKey(42) })]);
    expect(r.code).toBe(ERROR_TABLE.auth.AUTH_LINK_NONCE);
    expect(r.log).toMatch(/^AUTH_LINK_NONCE: message 1: /);
    expect(getEvmLink(view, evmOf(EVM))).toBeUndefined();
    expect(getAccount(view, parse(1))!.sequence).toBe(1n);
    expect(getAccount(view, parse(1))!.linkNonce).toBe(0n);
  });
});

describe('MsgUpdateParams', () => {
  const upd = (from: number, params = { ...DEFAULT_PARAMS, gasPerMsg: 12_345n }) =>
    Any.fromPartial({
      typeUrl: TYPE_URL.MsgUpdateParams,
      value: MsgUpdateParamsCodec.toBytes({ authority: addr(from), params }),
    });
  it('applies when sent by the authority', () => {
    expect(run(0, [upd(0)]).code).toBe(0);
    expect(readParams(view).gasPerMsg).toBe(12_345n);
  });
  it('refuses anyone else', () => {
    expect(run(1, [upd(1)]).code).toBe(ERROR_TABLE.params.PARAMS_UNAUTHORIZED);
    expect(readParams(view).gasPerMsg).toBe(DEFAULT_PARAMS.gasPerMsg);
  });
  it('refuses invalid params naming the field', () => {
    const r = run(0, [upd(0, { ...DEFAULT_PARAMS, maxTxBytes: 10n })]);
    expect(r.code).toBe(ERROR_TABLE.params.PARAMS_INVALID);
    expect(r.log).toContain('maxTxBytes');
  });
});

describe('invalid blocks', () => {
  it('a bad sequence or signature invalidates the block and leaves state untouched', () => {
    const good = signTx({ privKey: K[1]!, accountNumber: 1n, sequence: 0n, chainId: CHAIN, msgs: [link(1)] });
    const badSeq = signTx({
      privKey: K[2]!,
      accountNumber: 2n,
      sequence: 7n,
      chainId: CHAIN,
      msgs: [link(2, { evm: devnetPrivateKey(43) })],
    });
    const before = toHex(Buffer.from(JSON.stringify([...view.changes().keys()])));
    const r = applyBlock(view, { height: 1n, timeMs: NOW, txs: [good, badSeq] }, config);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.txIndex).toBe(1);
      expect(r.error.code).toBe('TX_SEQUENCE');
    }
    expect(toHex(Buffer.from(JSON.stringify([...view.changes().keys()])))).toBe(before);
    expect(getAccount(view, parse(1))!.sequence).toBe(0n);
    const wrongChain = signTx({
      privKey: K[1]!,
      accountNumber: 1n,
      sequence: 0n,
      chainId: 'other-1',
      msgs: [link(1)],
    });
    const r2 = applyBlock(view, { height: 1n, timeMs: NOW, txs: [wrongChain] }, config);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.code).toBe('TX_SIGNATURE');
  });
});

function parse(i: number): Uint8Array {
  return parseBech32(addr(i))!;
}

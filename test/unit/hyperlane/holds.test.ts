/**
 * Deposits of an unlinked EVM address are held under it and move — every domain, token and stage —
 * when a MsgLinkEvmAddress (through the message registry) links it; the records of held
 * provisional credits follow the funds. Also the lazy path: a later deposit by a linked address
 * sweeps what is still held.
 */
import { keccak_256 } from '@noble/hashes/sha3';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../bridge/index.ts';
import {
  accountHolder,
  applyProcessMessage,
  balancesOf,
  bech32FromBytes,
  createAccount,
  evmAddressBytes,
  evmHolder,
  getBalance,
  getInbound,
  handlerFor,
  linkEvmAddressText,
  type MsgLinkEvmAddress,
  RESULT,
  STAGE,
  secp,
  setEvmLink,
  TIER,
  TYPE_URL,
  toChecksumAddress,
} from '../../../chain/index.ts';
import {
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FINAL_KEYS,
  ORIGIN_A,
  processMsg,
  simA,
  USDC_A,
  WETH_A,
} from './fixtures.ts';

const EVM_KEY = new Uint8Array(32).fill(55);
const EVM = evmAddressBytes(secp.publicKeyCreate(EVM_KEY, false));

function personalSign(priv: Uint8Array, text: string): Uint8Array {
  const msg = new TextEncoder().encode(text);
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${msg.length}`);
  const digest = keccak_256(new Uint8Array([...prefix, ...msg]));
  const { signature, recid } = secp.ecdsaSign(digest, priv);
  return new Uint8Array([...signature, 27 + recid]);
}

describe('held collateral', () => {
  it('moves to the account when MsgLinkEvmAddress links the address', async () => {
    const state = await bridgeState();
    const a = simA();
    const depositor = bytesToHex(EVM);
    const deliveries: [bigint, `0x${string}`, number][] = [
      [10n, USDC_A, TIER.FAST],
      [20n, WETH_A, TIER.FINAL],
      [30n, USDC_A, TIER.FINAL],
    ];
    const ids: string[] = [];
    for (const [amount, token, tier] of deliveries) {
      const d = a.dispatch({ kind: 'DEPOSIT', depositor, token, amount, depositNonce: 0n });
      const keys = tier === TIER.FAST ? FAST_KEYS : FINAL_KEYS;
      applyProcessMessage(
        state,
        processMsg(d.message, a.messageIdMetadata(d, keys.slice(0, 2)), tier),
        ctxAt(2n),
      );
      expect(getInbound(state, hexToBytes(d.id))!.result).toBe(RESULT.DEPOSIT_HELD);
      ids.push(d.id);
    }
    expect(balancesOf(state, evmHolder(EVM)).map((e) => [e.stage, e.amount])).toEqual([
      [STAGE.PROVISIONAL, 10n],
      [STAGE.FINAL, 30n],
      [STAGE.FINAL, 20n],
    ]);
    const acct = new Uint8Array(20).fill(3);
    createAccount(state, acct, new Uint8Array(0));
    const signer = bech32FromBytes(acct);
    const ctx = { ...ctxAt(5n, acct), chainId: 'unimargin-test-1' };
    const evmText = toChecksumAddress(EVM);
    const msg: MsgLinkEvmAddress = {
      signer,
      evmAddress: evmText,
      nonce: 1n,
      expiryMs: ctx.timeMs + 60_000n,
      signature: personalSign(
        EVM_KEY,
        linkEvmAddressText(ctx.chainId, signer, evmText, 1n, ctx.timeMs + 60_000n),
      ),
    };
    const r = handlerFor(TYPE_URL.MsgLinkEvmAddress)!.apply(state, msg, ctx);
    expect(r.events.filter((e) => e.type === 'ledger.hold_moved')).toHaveLength(3);
    expect(balancesOf(state, evmHolder(EVM))).toEqual([]);
    const h = accountHolder(acct);
    expect(getBalance(state, h, ORIGIN_A, hexToBytes(USDC_A), STAGE.PROVISIONAL)).toBe(10n);
    expect(getBalance(state, h, ORIGIN_A, hexToBytes(USDC_A), STAGE.FINAL)).toBe(30n);
    expect(getBalance(state, h, ORIGIN_A, hexToBytes(WETH_A), STAGE.FINAL)).toBe(20n);
    expect(getInbound(state, hexToBytes(ids[0] as `0x${string}`))!.holder).toEqual(h);
  });

  it('sweeps a hold lazily when a later deposit finds the address linked', async () => {
    const state = await bridgeState();
    const a = simA();
    const depositor = bytesToHex(EVM);
    const d0 = a.dispatch({ kind: 'DEPOSIT', depositor, token: USDC_A, amount: 4n, depositNonce: 0n });
    applyProcessMessage(
      state,
      processMsg(d0.message, a.messageIdMetadata(d0, FAST_KEYS.slice(0, 2))),
      ctxAt(2n),
    );
    const acct = new Uint8Array(20).fill(8);
    setEvmLink(state, EVM, acct); // e.g. the automatic link of a signer's own key
    const d1 = a.dispatch({ kind: 'DEPOSIT', depositor, token: USDC_A, amount: 6n, depositNonce: 1n });
    const r = applyProcessMessage(
      state,
      processMsg(d1.message, a.messageIdMetadata(d1, FAST_KEYS.slice(0, 2))),
      ctxAt(3n),
    );
    expect(r.events.some((e) => e.type === 'ledger.hold_moved')).toBe(true);
    expect(getBalance(state, accountHolder(acct), ORIGIN_A, hexToBytes(USDC_A), STAGE.PROVISIONAL)).toBe(10n);
    expect(balancesOf(state, evmHolder(EVM))).toEqual([]);
  });
});

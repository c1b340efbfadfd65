/** Account records in state: lookup, creation and the EVM links. */
import type { StateReader, StateView } from '../state/types.ts';
import { type Account, AccountCodec } from './codec/messages.ts';
import {
  accountByNumberKey,
  accountEvmKey,
  accountEvmPrefix,
  accountKey,
  bytesToUint,
  evmLinkKey,
  feeBalanceKey,
  META,
  metaKey,
  uintToBytes,
} from './keys.ts';

/** The account at `address` (20 bytes), or undefined. */
export function getAccount(state: StateReader, address: Uint8Array): Account | undefined {
  const raw = state.get(accountKey(address));
  return raw === undefined ? undefined : AccountCodec.decode(raw);
}

/** Writes `account` back. */
export function setAccount(state: StateView, account: Account): void {
  state.set(accountKey(account.address), AccountCodec.toBytes(account));
}

/** Creates an account with the next account number. */
export function createAccount(state: StateView, address: Uint8Array, pubKey: Uint8Array): Account {
  const next = bytesToUint(state.get(metaKey(META.nextAccountNumber)));
  const account: Account = { address, accountNumber: next, pubKey, sequence: 0n, linkNonce: 0n };
  setAccount(state, account);
  state.set(accountByNumberKey(next), address);
  state.set(metaKey(META.nextAccountNumber), uintToBytes(next + 1n));
  return account;
}

/** The hub account an EVM address is linked to. */
export function getEvmLink(state: StateReader, evm: Uint8Array): Uint8Array | undefined {
  return state.get(evmLinkKey(evm));
}

/** Links `evm` to `address`, moving it from any previous account. */
export function setEvmLink(state: StateView, evm: Uint8Array, address: Uint8Array): void {
  const previous = state.get(evmLinkKey(evm));
  if (previous !== undefined) state.delete(accountEvmKey(previous, evm));
  state.set(evmLinkKey(evm), address);
  state.set(accountEvmKey(address, evm), new Uint8Array(0));
}

/** The EVM addresses linked to an account, ascending. */
export function linkedEvmAddresses(state: StateReader, address: Uint8Array): Uint8Array[] {
  const prefix = accountEvmPrefix(address);
  const out: Uint8Array[] = [];
  for (const [k] of state.entries(prefix)) out.push(k.subarray(prefix.length));
  return out;
}

/** Fee-token balance of an account, in atomic units. */
export function getFeeBalance(state: StateReader, address: Uint8Array): bigint {
  return bytesToUint(state.get(feeBalanceKey(address)));
}

/** Sets the fee-token balance (deletes the key at zero). */
export function setFeeBalance(state: StateView, address: Uint8Array, amount: bigint): void {
  if (amount === 0n) state.delete(feeBalanceKey(address));
  else state.set(feeBalanceKey(address), uintToBytes(amount));
}

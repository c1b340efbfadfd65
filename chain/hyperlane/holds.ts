/**
 * Deposits by an EVM address with no linked hub account are held under that address
 * (`HOLDER.EVM_HOLD`) and move to the account when the link appears. The move runs (a) right
 * after a MsgLinkEvmAddress links the address (chain/msgs.ts wraps that handler), and (b) lazily,
 * before any later credit or finalisation for that depositor finds it linked — which also covers
 * the automatic link of a signer's own key on its first tx. Provisional credits held are indexed
 * (`heldPending`) so their delivery records follow the funds, and MsgConfirmFinality finalises
 * them where they now are.
 */
import type { StateView } from '../../state/types.ts';
import { getEvmLink } from '../accounts.ts';
import type { Event } from '../codec/messages.ts';
import { bech32FromBytes, toChecksumAddress } from '../crypto.ts';
import { accountHolder, collateralDenom, moveHoldToAccount } from '../ledger/index.ts';
import { heldPendingPrefix, holdMarkerKey } from './keys.ts';
import { getInbound, setInbound } from './records.ts';

/**
 * Moves everything held under `evm` to `account`, re-points the held provisional credits' delivery
 * records at the account, and returns a `ledger.hold_moved` event per balance moved (none when
 * nothing was held).
 */
export function moveHeldCollateral(state: StateView, evm: Uint8Array, account: Uint8Array): Event[] {
  // Nothing was ever held (or it moved already): one read instead of two prefix scans.
  if (state.get(holdMarkerKey(evm)) === undefined) return [];
  state.delete(holdMarkerKey(evm));
  const moved = moveHoldToAccount(state, evm, account);
  const prefix = heldPendingPrefix(evm);
  const pending = [...state.entries(prefix)].map(([k]) => k);
  const holder = accountHolder(account);
  for (const k of pending) {
    const rec = getInbound(state, k.subarray(prefix.length));
    if (rec !== undefined) setInbound(state, { ...rec, holder });
    state.delete(k);
  }
  const to = bech32FromBytes(account);
  const from = toChecksumAddress(evm);
  return moved.map((e) => ({
    type: 'ledger.hold_moved',
    attributes: [
      { key: 'evm_address', value: from },
      { key: 'account', value: to },
      { key: 'denom', value: collateralDenom(e.domain, e.token, e.stage) },
      { key: 'amount', value: e.amount.toString() },
    ],
  }));
}

/** Marks that something is now held under `evm` (call when crediting a hold). */
export function markHeld(state: StateView, evm: Uint8Array): void {
  state.set(holdMarkerKey(evm), new Uint8Array(0));
}

/**
 * If `evm` is linked now, moves anything still held under it (the lazy path) and returns the
 * account; otherwise undefined. Events of a move are appended to `events`.
 */
export function resolveDepositor(state: StateView, evm: Uint8Array, events: Event[]): Uint8Array | undefined {
  const account = getEvmLink(state, evm);
  if (account === undefined) return undefined;
  events.push(...moveHeldCollateral(state, evm, account));
  return account;
}

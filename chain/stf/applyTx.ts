/**
 * One transaction in a block: the stateful ante checks (account, sequence, signature), fee,
 * sequence increment, then its messages inside a checkpoint so a failing message reverts only
 * this tx's messages while the sequence increment and fee stay.
 */

import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci';
import { Any } from 'cosmjs-types/google/protobuf/any';
import type { StateView } from '../../state/types.ts';
import { getAccount, getEvmLink, getFeeBalance, setAccount, setEvmLink, setFeeBalance } from '../accounts.ts';
import type { Account, Event, Params, TxResult } from '../codec/messages.ts';
import { bech32FromBytes, bytesEqual, evmAddressBytes } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import type { MarginCache } from '../margin/cache.ts';
import type { MsgContext } from '../msgs.ts';
import { type DecodedTx, verifyTxSignature } from '../tx.ts';

/** Static chain identity the STF needs besides state. */
export interface ChainConfig {
  chainId: string;
  /** bech32 of the params authority. */
  authority: string;
}

/** Block-level context. */
export interface BlockContext {
  height: bigint;
  timeMs: bigint;
  /** The margin cache of the block (applyBlock's), handed to message handlers. */
  margin?: MarginCache;
}

export interface AnteOpts {
  /** The sequence the tx must carry (the mempool passes state sequence + pending txs). */
  expectedSequence?: bigint;
  /** Skip the signature check: the caller verified this exact tx already (worker threads). */
  signatureVerified?: boolean;
}

/**
 * The stateful checks that keep a tx out of a block: account exists, pubkey matches, timeout
 * height, sequence, signature (low s), fee balance. Returns the account. Throws ChainError.
 */
export function anteCheck(
  state: StateView,
  tx: DecodedTx,
  config: ChainConfig,
  block: BlockContext,
  params: Params,
  opts: AnteOpts = {},
): Account {
  const account = getAccount(state, tx.signer);
  if (account === undefined) {
    throw new ChainError(
      'TX_UNKNOWN_ACCOUNT',
      `account ${bech32FromBytes(tx.signer)} does not exist on the hub`,
    );
  }
  if (account.pubKey.length > 0 && !bytesEqual(account.pubKey, tx.pubKey)) {
    throw new ChainError('TX_PUBKEY', 'signer public key differs from the account public key');
  }
  if (tx.timeoutHeight !== 0n && block.height > tx.timeoutHeight) {
    throw new ChainError(
      'TX_TIMEOUT_HEIGHT',
      `tx timed out at height ${tx.timeoutHeight}; block is ${block.height}`,
    );
  }
  const expected = opts.expectedSequence ?? account.sequence;
  if (tx.sequence !== expected) {
    throw new ChainError(
      'TX_SEQUENCE',
      `account sequence mismatch, expected ${expected}, got ${tx.sequence}: incorrect account sequence`,
      { expected, got: tx.sequence },
    );
  }
  if (opts.signatureVerified !== true) verifyTxSignature(tx, config.chainId, account.accountNumber);
  if (tx.fee > 0n && getFeeBalance(state, tx.signer) < tx.fee) {
    throw new ChainError(
      'TX_INSUFFICIENT_FUNDS',
      `fee ${tx.fee}${params.feeDenom} exceeds the balance ${getFeeBalance(state, tx.signer)}${params.feeDenom}`,
    );
  }
  return account;
}

function failureResult(tx: DecodedTx, err: ChainError, events: Event[]): TxResult {
  return {
    code: err.abciCode,
    codespace: err.codespace,
    log: err.message,
    gasWanted: tx.gasLimit,
    gasUsed: tx.gasUsed,
    data: new Uint8Array(0),
    events,
  };
}

/**
 * Applies one tx that passed {@link anteCheck}. Always increments the sequence and takes the fee;
 * runs the messages in a checkpoint and reverts them all if one fails.
 */
export function executeTx(
  state: StateView,
  tx: DecodedTx,
  account: Account,
  config: ChainConfig,
  block: BlockContext,
): TxResult {
  const signer = bech32FromBytes(tx.signer);
  const updated: Account = { ...account, sequence: account.sequence + 1n };
  if (updated.pubKey.length === 0) {
    // First use of the key: record it, and link its own EVM address unless that is taken.
    updated.pubKey = tx.pubKey;
    const evm = evmAddressBytes(tx.pubKey);
    if (getEvmLink(state, evm) === undefined) setEvmLink(state, evm, tx.signer);
  }
  setAccount(state, updated);
  if (tx.fee > 0n) setFeeBalance(state, tx.signer, getFeeBalance(state, tx.signer) - tx.fee);

  const events: Event[] = [
    {
      type: 'tx',
      attributes: [
        { key: 'acc_seq', value: `${signer}/${account.sequence}` },
        { key: 'fee', value: tx.fee === 0n ? '' : `${tx.fee}` },
        { key: 'fee_payer', value: signer },
      ],
    },
  ];
  const ctx: MsgContext = {
    chainId: config.chainId,
    height: block.height,
    timeMs: block.timeMs,
    authority: config.authority,
    signer: tx.signer,
    ...(block.margin !== undefined ? { margin: block.margin } : {}),
  };
  state.checkpoint();
  const responses: Any[] = [];
  const msgEvents: Event[] = [];
  for (const [i, m] of tx.msgs.entries()) {
    try {
      const r = m.handler.apply(state, m.value, ctx);
      msgEvents.push(
        {
          type: 'message',
          attributes: [
            { key: 'action', value: m.typeUrl },
            { key: 'sender', value: signer },
            { key: 'msg_index', value: String(i) },
          ],
        },
        ...r.events.map((e) => ({
          ...e,
          attributes: [...e.attributes, { key: 'msg_index', value: String(i) }],
        })),
      );
      responses.push(Any.fromPartial({ typeUrl: `${m.typeUrl}Response`, value: r.response }));
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      state.revert();
      const err = new ChainError(e.code, `message ${i}: ${e.detail}`, { ...e.meta });
      return failureResult(tx, err, events);
    }
  }
  state.commit();
  return {
    code: 0,
    codespace: '',
    log: '',
    gasWanted: tx.gasLimit,
    gasUsed: tx.gasUsed,
    data: TxMsgData.encode(TxMsgData.fromPartial({ msgResponses: responses })).finish(),
    events: [...events, ...msgEvents],
  };
}

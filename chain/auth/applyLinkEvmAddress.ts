/**
 * MsgLinkEvmAddress: links an EVM address to the signer's account after checking its EIP-191
 * signature over (chain id, account, EVM address, nonce, expiry).
 */
import type { StateView } from '../../state/types.ts';
import { getAccount, getEvmLink, setAccount, setEvmLink } from '../accounts.ts';
import { type MsgLinkEvmAddress, MsgLinkEvmAddressResponseCodec } from '../codec/messages.ts';
import {
  bytesEqual,
  fromHex,
  personalMessageDigest,
  recoverEvmAddress,
  toChecksumAddress,
} from '../crypto.ts';
import { ChainError } from '../errors.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { readParams } from '../params.ts';
import { linkEvmAddressText } from './link.ts';

export function applyLinkEvmAddress(state: StateView, msg: MsgLinkEvmAddress, ctx: MsgContext): MsgResult {
  const evm = fromHex(msg.evmAddress);
  if (evm === undefined || evm.length !== 20 || !msg.evmAddress.startsWith('0x')) {
    throw new ChainError(
      'AUTH_LINK_EVM_ADDRESS',
      `evm_address ${JSON.stringify(msg.evmAddress)} is not a 0x-prefixed 20-byte address`,
    );
  }
  const account = getAccount(state, ctx.signer);
  if (account === undefined)
    throw new ChainError('TX_UNKNOWN_ACCOUNT', `account ${msg.signer} does not exist`);
  if (msg.expiryMs < ctx.timeMs) {
    throw new ChainError(
      'AUTH_LINK_EXPIRED',
      `link signature expired at ${msg.expiryMs} ms; block time is ${ctx.timeMs} ms`,
      {
        expiryMs: msg.expiryMs,
        timeMs: ctx.timeMs,
      },
    );
  }
  const { maxLinkValidityMs } = readParams(state);
  if (msg.expiryMs - ctx.timeMs > maxLinkValidityMs) {
    throw new ChainError(
      'AUTH_LINK_EXPIRED',
      `link expiry ${msg.expiryMs} ms is more than ${maxLinkValidityMs} ms after block time ${ctx.timeMs} ms`,
    );
  }
  if (msg.nonce <= account.linkNonce) {
    throw new ChainError(
      'AUTH_LINK_NONCE',
      `link nonce ${msg.nonce} must exceed the last used ${account.linkNonce}`,
      {
        nonce: msg.nonce,
        last: account.linkNonce,
      },
    );
  }
  const checksummed = toChecksumAddress(evm);
  const text = linkEvmAddressText(ctx.chainId, msg.signer, checksummed, msg.nonce, msg.expiryMs);
  const recovered = recoverEvmAddress(personalMessageDigest(new TextEncoder().encode(text)), msg.signature);
  if (recovered === undefined || !bytesEqual(recovered, evm)) {
    throw new ChainError(
      'AUTH_LINK_SIGNATURE',
      `signature is not ${checksummed}'s EIP-191 signature of the link text (65 bytes r‖s‖v, low s, v 27/28)`,
    );
  }
  const current = getEvmLink(state, evm);
  if (current !== undefined && bytesEqual(current, ctx.signer)) {
    throw new ChainError('AUTH_LINK_ALREADY', `${checksummed} is already linked to ${msg.signer}`);
  }
  // Relinking moves the address. Positions (the unified-margin issue) will refuse a move of an
  // address with open positions with AUTH_LINK_OPEN_POSITIONS; none exist before that issue.
  setEvmLink(state, evm, ctx.signer);
  setAccount(state, { ...account, linkNonce: msg.nonce });
  return {
    events: [
      {
        type: 'unimargin.v1.EventEvmLinked',
        attributes: [
          { key: 'account', value: msg.signer },
          { key: 'evm_address', value: checksummed },
          { key: 'nonce', value: msg.nonce.toString() },
        ],
      },
    ],
    response: MsgLinkEvmAddressResponseCodec.toBytes({}),
  };
}

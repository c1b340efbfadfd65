/**
 * Client-side helpers the CLI and tests use: a CosmJS registry with the hub's message types, a
 * signing client for a secp256k1 key, and the link-EVM message builder.
 */
import { DirectSecp256k1Wallet, type GeneratedType, Registry } from '@cosmjs/proto-signing';
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from '@cosmjs/stargate';
import { privateKeyToAccount } from 'viem/accounts';
import { linkEvmAddressText } from '../auth/link.ts';
import { type MsgLinkEvmAddress, TYPE_URL } from '../codec/messages.ts';
import { BECH32_PREFIX, fromHex, toHex } from '../crypto.ts';
import { registeredTypes } from '../msgs.ts';

/** A CosmJS Registry holding the default Cosmos types and the hub's `/unimargin.v1.*` messages. */
export function hubRegistry(): Registry {
  const types: [string, GeneratedType][] = [...defaultRegistryTypes];
  for (const [url, codec] of registeredTypes()) types.push([url, codec as unknown as GeneratedType]);
  return new Registry(types);
}

/** A SigningStargateClient for a 32-byte private key, with fee "auto" priced at 0 of the fee denom. */
export async function connectSigner(rpcUrl: string, privateKey: Uint8Array, feeDenom = 'uumg') {
  const wallet = await DirectSecp256k1Wallet.fromKey(privateKey, BECH32_PREFIX);
  const [account] = await wallet.getAccounts();
  const client = await SigningStargateClient.connectWithSigner(rpcUrl, wallet, {
    registry: hubRegistry(),
    gasPrice: GasPrice.fromString(`0${feeDenom}`),
    broadcastPollIntervalMs: 300,
  });
  return { client, address: account!.address };
}

/**
 * Builds a MsgLinkEvmAddress: the EVM key signs the link text (EIP-191 personal_sign).
 * `expiryMs` is absolute unix ms.
 */
export async function buildLinkEvmAddress(opts: {
  chainId: string;
  account: string;
  evmPrivateKey: Uint8Array;
  nonce: bigint;
  expiryMs: bigint;
}): Promise<MsgLinkEvmAddress> {
  const evm = privateKeyToAccount(`0x${toHex(opts.evmPrivateKey)}`);
  const text = linkEvmAddressText(opts.chainId, opts.account, evm.address, opts.nonce, opts.expiryMs);
  const sig = await evm.signMessage({ message: text });
  return {
    signer: opts.account,
    evmAddress: evm.address,
    nonce: opts.nonce,
    expiryMs: opts.expiryMs,
    signature: fromHex(sig)!,
  };
}

export const LINK_TYPE_URL = TYPE_URL.MsgLinkEvmAddress;

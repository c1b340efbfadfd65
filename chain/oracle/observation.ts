/**
 * Oracle observations: the signed digest and the signer recovery.
 *
 * digest = EIP-191(keccak256(abi.encode("UNIMARGIN_ORACLE", chainId, feed, value, confidence,
 * timestampMs))) with types (string, string, string, int256, uint256, uint64) — what a Solidity
 * or viem signer builds with `abi.encode` and `signMessage({ message: { raw: hash } })`.
 */
import { encodeAbiParameters, keccak256 } from 'viem';
import { fromHex, personalMessageDigest, recoverEvmAddress } from '../crypto.ts';
import type { OracleObservation } from './codec.ts';

export const ORACLE_DOMAIN_TAG = 'UNIMARGIN_ORACLE';
const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;

/** A decimal integer string (optional leading minus, no leading zeros), else undefined. */
export function parseDecimal(s: string, signed: boolean): bigint | undefined {
  if (!(signed ? /^-?(0|[1-9][0-9]{0,76})$/ : /^(0|[1-9][0-9]{0,77})$/).test(s) || s === '-0')
    return undefined;
  const v = BigInt(s);
  return v < INT256_MIN || v > INT256_MAX ? undefined : v;
}

/** keccak256 of the ABI-encoded observation fields (the 32 bytes signers sign with EIP-191). */
export function observationHash(
  chainId: string,
  feed: string,
  value: bigint,
  confidence: bigint,
  timestampMs: bigint,
): Uint8Array {
  const encoded = encodeAbiParameters(
    [
      { type: 'string' },
      { type: 'string' },
      { type: 'string' },
      { type: 'int256' },
      { type: 'uint256' },
      { type: 'uint64' },
    ],
    [ORACLE_DOMAIN_TAG, chainId, feed, value, confidence, timestampMs],
  );
  return fromHex(keccak256(encoded))!;
}

/** The EIP-191 digest an oracle signer signs for `obs`. */
export function observationDigest(
  chainId: string,
  feed: string,
  value: bigint,
  confidence: bigint,
  timestampMs: bigint,
): Uint8Array {
  return personalMessageDigest(observationHash(chainId, feed, value, confidence, timestampMs));
}

/** The signer of an observation (20 bytes), or undefined when the signature does not recover. */
export function observationSigner(
  chainId: string,
  obs: OracleObservation,
  value: bigint,
  confidence: bigint,
): Uint8Array | undefined {
  return recoverEvmAddress(
    observationDigest(chainId, obs.feed, value, confidence, obs.timestampMs),
    obs.signature,
  );
}

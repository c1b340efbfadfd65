/**
 * The text an EVM key signs (EIP-191 personal_sign) to link itself to a hub account.
 * Human-readable so a wallet shows what is being approved; every field is bound.
 */
export function linkEvmAddressText(
  chainId: string,
  account: string,
  evmAddressChecksummed: string,
  nonce: bigint,
  expiryMs: bigint,
): string {
  return [
    'unimargin: link EVM address to hub account',
    `chain id: ${chainId}`,
    `account: ${account}`,
    `evm address: ${evmAddressChecksummed}`,
    `nonce: ${nonce}`,
    `expiry ms: ${expiryMs}`,
  ].join('\n');
}

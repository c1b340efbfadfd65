/**
 * Every key of the devnet, derived from the standard test mnemonic ("test test … junk") at
 * m/44'/60'/0'/0/i — the same derivation anvil and the hub genesis use, so keys 0–9 are the
 * accounts anvil funds and the hub genesis holds. Roles get fixed index ranges:
 *
 * | index | role |
 * | --- | --- |
 * | 0 | deployer, owner of every contract, hub genesis authority |
 * | 1–7 | traders (funded on every chain, hub accounts in genesis) |
 * | 8 | the agents' gas payer on EVM chains (ValidatorAnnounce txs) |
 * | 9 | the relayer (hub signer of MsgProcessMessage/MsgConfirmFinality, and EVM `Mailbox.process`) |
 * | 100 + i | hub validator i |
 * | 200 + 10·c + j | fast validator j of chain c (c = position in the world's chain list) |
 * | 205 + 10·c + j | final validator j of chain c (disjoint from the fast set by construction) |
 * | 300 + k | oracle signer k |
 *
 * These keys are public: a devnet only.
 */
import { pbkdf2Sync } from 'node:crypto';
import { type Address, bytesToHex, type Hex } from 'viem';
import { HDKey, privateKeyToAddress } from 'viem/accounts';

/** The standard test mnemonic (Hardhat, anvil). */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk';

/** Fixed key indexes of the roles above. */
export const KEY_INDEX = {
  deployer: 0,
  firstTrader: 1,
  lastTrader: 7,
  gasPayer: 8,
  relayer: 9,
  hubValidator: (i: number) => 100 + i,
  fastValidator: (chain: number, j: number) => 200 + 10 * chain + j,
  finalValidator: (chain: number, j: number) => 205 + 10 * chain + j,
  oracleSigner: (k: number) => 300 + k,
} as const;

let parent: HDKey | undefined;

// BIP-39 seed = PBKDF2-HMAC-SHA512(mnemonic NFKD, "mnemonic" ‖ passphrase, 2048 rounds, 64 bytes),
// then BIP-32 down to m/44'/60'/0'/0 — both once (the slow part); each key is then one child step.
function parentKey(): HDKey {
  parent ??= HDKey.fromMasterSeed(
    new Uint8Array(pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512')),
  ).derive("m/44'/60'/0'/0");
  return parent;
}

/** The private key at m/44'/60'/0'/0/`index` of the test mnemonic (0x hex, 32 bytes). */
export function devnetKey(index: number): Hex {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) {
    throw new RangeError(`key index ${index} must be an integer in [0, 2^31)`);
  }
  const pk = parentKey().deriveChild(index).privateKey;
  if (pk === null) throw new Error(`no private key at index ${index}`);
  return bytesToHex(pk);
}

/** The EVM address of {@link devnetKey}(index) (checksummed). */
export function devnetAddress(index: number): Address {
  return privateKeyToAddress(devnetKey(index));
}

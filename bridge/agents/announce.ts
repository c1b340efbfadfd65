/**
 * Announcing a validator's storage location: the signed `announcement.json` in its checkpoint
 * directory and, on an EVM origin, `ValidatorAnnounce.announce(validator, location, signature)`
 * (skipped when the contract already lists that location for the validator).
 */
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem';
import { addressOfPrivateKey, addressToBytes32, bytesToHex, type Hex, signAnnouncement } from '../index.ts';
import type { LocalCheckpointStorage } from './checkpointStorage.ts';
import { VALIDATOR_ANNOUNCE_ABI } from './evmAbi.ts';

/** Options of {@link writeAnnouncement}. */
export interface WriteAnnouncementOpts {
  readonly privateKey: Hex;
  readonly storage: LocalCheckpointStorage;
  /** Origin domain. */
  readonly domain: number;
  /** Origin mailbox: an EVM address or, on the hub, its bytes32 word. */
  readonly mailbox: Hex;
}

/** Signs and writes `announcement.json`; returns the location and the 65-byte signature. */
export function writeAnnouncement(opts: WriteAnnouncementOpts): { location: string; signature: Uint8Array } {
  const mailbox32 = opts.mailbox.length === 42 ? addressToBytes32(opts.mailbox) : opts.mailbox;
  const location = opts.storage.location;
  const signature = signAnnouncement(opts.privateKey, opts.domain, mailbox32, location);
  opts.storage.writeAnnouncement(
    {
      validator: addressOfPrivateKey(opts.privateKey),
      mailbox: mailbox32,
      domain: opts.domain,
      storageLocation: location,
    },
    signature,
  );
  return { location, signature };
}

/** Options of {@link announceOnEvm}. */
export interface AnnounceOnEvmOpts extends WriteAnnouncementOpts {
  readonly publicClient: PublicClient;
  /** Pays for the announce tx (any funded key; the signature is what authorises it). */
  readonly walletClient: WalletClient<Transport, Chain, Account>;
  readonly validatorAnnounce: Address;
}

/**
 * Writes `announcement.json` and announces the location on the origin's ValidatorAnnounce unless
 * it is already announced. Returns whether a tx was sent.
 */
export async function announceOnEvm(opts: AnnounceOnEvmOpts): Promise<{ location: string; sent: boolean }> {
  const { location, signature } = writeAnnouncement(opts);
  const validator = addressOfPrivateKey(opts.privateKey);
  const [known] = await opts.publicClient.readContract({
    address: opts.validatorAnnounce,
    abi: VALIDATOR_ANNOUNCE_ABI,
    functionName: 'getAnnouncedStorageLocations',
    args: [[validator]],
  });
  if ((known ?? []).includes(location)) return { location, sent: false };
  const hash = await opts.walletClient.writeContract({
    address: opts.validatorAnnounce,
    abi: VALIDATOR_ANNOUNCE_ABI,
    functionName: 'announce',
    args: [validator, location, bytesToHex(signature)],
  });
  const r = await opts.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new Error(`ValidatorAnnounce.announce reverted in ${hash}`);
  return { location, sent: true };
}

/** The storage locations each validator announced on an EVM origin (latest last). */
export async function announcedLocations(
  client: PublicClient,
  validatorAnnounce: Address,
  validators: readonly Hex[],
): Promise<Map<Hex, readonly string[]>> {
  const r = await client.readContract({
    address: validatorAnnounce,
    abi: VALIDATOR_ANNOUNCE_ABI,
    functionName: 'getAnnouncedStorageLocations',
    args: [validators as Address[]],
  });
  const out = new Map<Hex, readonly string[]>();
  validators.forEach((v, i) => {
    out.set(v.toLowerCase() as Hex, r[i] ?? []);
  });
  return out;
}

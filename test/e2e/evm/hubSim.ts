/**
 * A stand-in for the hub's outbound side in EVM e2e tests: builds version-3 messages from HUB_DOMAIN,
 * keeps the hub's outbound tree with `bridge/`'s IncrementalMerkleTree, signs MessageId checkpoints
 * with the hub validator keys (`bridge/` signCheckpoint) and delivers through the real
 * `Mailbox.process` as a relayer would.
 */

import { type Address, type Hash, type Hex, keccak256, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type AppPayload,
  bytesToHex,
  encodeAppPayload,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  IncrementalMerkleTree,
  messageId,
  signCheckpoint,
} from '../../../bridge/index.ts';
import type { EvmClients } from '../../../devnet/evm/clients.ts';
import { mailboxAbi } from '../../../devnet/evm/deployHyperlane.ts';
import { addressToBytes32, HUB_DOMAIN } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS } from '../../helpers/anvil.ts';

/** The hub's sender identity used by the tests (bytes32). */
export const TEST_HUB_SENDER: Hex = keccak256(stringToHex('unimargin/hub/outbox'));
/** The hub's "merkle tree hook" word that its checkpoints name (bytes32). */
export const TEST_HUB_TREE_HOOK: Hex = keccak256(stringToHex('unimargin/hub/tree'));
/** Hub validator keys (anvil keys #5–#7) and addresses, in ISM order; threshold 2. */
export const HUB_VALIDATOR_KEYS: readonly Hex[] = [ANVIL_KEYS[5], ANVIL_KEYS[6], ANVIL_KEYS[7]];
export const HUB_VALIDATORS: readonly Address[] = HUB_VALIDATOR_KEYS.map(
  (k) => privateKeyToAccount(k).address,
);
export const HUB_THRESHOLD = 2;

/** One message prepared for delivery. */
export type PreparedMessage = { message: Hex; metadata: Hex; id: Hex; index: number };

/** Options of {@link HubSim.prepare}. */
export type PrepareOpts = {
  /** Origin domain (default HUB_DOMAIN). */
  origin?: number;
  /** Sender word (default TEST_HUB_SENDER). */
  sender?: Hex;
  /** Signing keys, in validator order (default the first HUB_THRESHOLD hub keys). */
  signers?: readonly Hex[];
};

/** The simulated hub outbox toward one destination chain. */
export class HubSim {
  readonly tree = new IncrementalMerkleTree();
  private nonce = 0;
  constructor(
    private readonly clients: EvmClients,
    private readonly mailbox: Address,
    private readonly destination: number,
  ) {}

  /** Builds, inserts and signs a message carrying `payload` (or raw body bytes) to `recipient`. */
  prepare(recipient: Address, payload: AppPayload | Hex, opts: PrepareOpts = {}): PreparedMessage {
    const body = typeof payload === 'string' ? payload : bytesToHex(encodeAppPayload(payload));
    const origin = opts.origin ?? HUB_DOMAIN;
    const message = encodeMessage({
      nonce: this.nonce++,
      origin,
      sender: opts.sender ?? TEST_HUB_SENDER,
      destination: this.destination,
      recipient: addressToBytes32(recipient),
      body,
    });
    const id = messageId(message);
    const index = this.tree.insert(id);
    const root = this.tree.root();
    const signers = opts.signers ?? HUB_VALIDATOR_KEYS.slice(0, HUB_THRESHOLD);
    const signatures = signers.map((k) =>
      signCheckpoint(k, { origin, merkleTreeHook: TEST_HUB_TREE_HOOK, root, index, messageId: id }),
    );
    const metadata = encodeMessageIdMultisigMetadata({
      merkleTreeHook: TEST_HUB_TREE_HOOK,
      root,
      index,
      signatures,
    });
    return { message: bytesToHex(message), metadata: bytesToHex(metadata), id, index };
  }

  /** Calls the real `Mailbox.process(metadata, message)` from `relayer` and returns the receipt. */
  async process(p: PreparedMessage, relayer: EvmClients = this.clients) {
    const hash: Hash = await relayer.walletClient.writeContract({
      address: this.mailbox,
      abi: mailboxAbi,
      functionName: 'process',
      args: [p.metadata, p.message],
      gas: 3_000_000n,
    });
    return await relayer.publicClient.waitForTransactionReceipt({ hash });
  }

  /** `process` as a simulation: resolves when it would succeed, rejects with the revert otherwise. */
  async simulate(p: PreparedMessage, relayer: EvmClients = this.clients): Promise<void> {
    await relayer.publicClient.simulateContract({
      account: relayer.walletClient.account,
      address: this.mailbox,
      abi: mailboxAbi,
      functionName: 'process',
      args: [p.metadata, p.message],
    });
  }

  /** Prepares and delivers in one step. */
  async deliver(recipient: Address, payload: AppPayload | Hex, opts: PrepareOpts = {}) {
    const p = this.prepare(recipient, payload, opts);
    return { prepared: p, receipt: await this.process(p) };
  }
}

/**
 * `unimargin relay <message id>`: a user relays one message, either direction, with metadata
 * gathered from the validators — nobody's permission needed. The message is looked up on the hub
 * (its outbox) and on each configured EVM origin (`DispatchId` logs); then, like the relayer:
 * EVM → hub is a MsgProcessMessage signed by the user's hub key with MessageId metadata from the
 * origin's fast validators; hub → EVM is `Mailbox.process` with the hub validators' checkpoints.
 */
import { type Address, decodeEventLog, type PublicClient } from 'viem';
import { HUB_DOMAIN, HUB_TREE_HOOK, TIER } from '../../chain/hyperlane/constants.ts';
import {
  addressToBytes32,
  bytes32ToAddress,
  bytesToHex,
  decodeMessage,
  encodeMessageIdMultisigMetadata,
  type Hex,
  hexToBytes,
  type MultisigConfig,
  messageId as messageIdOf,
  normalizeBytes32,
} from '../index.ts';
import { announcedLocations } from './announce.ts';
import { AgentError } from './errors.ts';
import { MAILBOX_ABI, MERKLE_TREE_HOOK_ABI, MULTISIG_ISM_ABI } from './evmAbi.ts';
import type { HubApi } from './hubApi.ts';
import { type HubSigner, processMessageAny, signHubTx } from './hubTx.ts';
import type { EvmRoute } from './relayer.ts';
import { gatherQuorum, type ValidatorSet } from './signatures.ts';

/**
 * A validator set whose storage locations are the latest `file://` location each validator
 * announced on the origin's ValidatorAnnounce.
 */
export async function validatorSetFromAnnouncements(
  client: PublicClient,
  validatorAnnounce: Address,
  config: MultisigConfig,
): Promise<ValidatorSet> {
  const locations = new Map<string, string>();
  const locs = await announcedLocations(client, validatorAnnounce, config.validators as Hex[]);
  for (const [v, l] of locs) {
    const file = [...l].reverse().find((x) => x.startsWith('file://'));
    if (file !== undefined) locations.set(v, file);
  }
  return { validators: config.validators, threshold: config.threshold, locations };
}

/** Options of {@link relayMessage}. */
export interface RelayMessageOpts {
  readonly hub: HubApi;
  /** Signs the MsgProcessMessage for EVM → hub (the user's own hub key). */
  readonly hubSigner?: HubSigner;
  /** EVM chains: where to look for the message and, with `wallet`, where to deliver it. */
  readonly evm: readonly EvmRoute[];
  /** Hub validator address → `file://` location (hub → EVM). */
  readonly hubValidatorLocations?: ReadonlyMap<string, string>;
  /** How long to wait for the delivery tx (default 60 s). */
  readonly timeoutMs?: number;
}

/** What {@link relayMessage} did. */
export interface RelayMessageResult {
  readonly direction: 'toHub' | 'fromHub';
  readonly origin: number;
  readonly destination: number;
  readonly index: number;
  /** `delivered` by this call, or `already_delivered` (nothing sent). */
  readonly outcome: 'delivered' | 'already_delivered';
  /** The delivery tx (hub tx hash or EVM tx hash). */
  readonly txHash?: string;
}

/** Finds a message dispatched on an EVM origin by id: its bytes and leaf index. */
export async function findEvmMessage(
  route: EvmRoute,
  id: Hex,
): Promise<{ message: Uint8Array; index: number } | undefined> {
  const mailbox = route.chain.addresses.mailbox as Address;
  const logs = await route.client.getContractEvents({
    address: mailbox,
    abi: MAILBOX_ABI,
    eventName: 'DispatchId',
    args: { messageId: id },
    fromBlock: BigInt(route.chain.addresses.deployedAtBlock ?? 0),
    toBlock: 'latest',
  });
  const hit = logs[0];
  if (hit === undefined) return undefined;
  const receipt = await route.client.getTransactionReceipt({ hash: hit.transactionHash });
  let message: Uint8Array | undefined;
  let index: number | undefined;
  for (const l of receipt.logs) {
    try {
      if (l.address.toLowerCase() === mailbox.toLowerCase()) {
        const ev = decodeEventLog({ abi: MAILBOX_ABI, data: l.data, topics: l.topics });
        if (ev.eventName === 'Dispatch') {
          const m = hexToBytes(ev.args.message, 'message');
          if (messageIdOf(m) === id) message = m;
        }
      } else if (l.address.toLowerCase() === (route.chain.addresses.merkleTreeHook as string).toLowerCase()) {
        const ev = decodeEventLog({ abi: MERKLE_TREE_HOOK_ABI, data: l.data, topics: l.topics });
        if (ev.eventName === 'InsertedIntoTree' && normalizeBytes32(ev.args.messageId) === id)
          index = ev.args.index;
      }
    } catch {
      // Another contract's event in the same tx.
    }
  }
  return message === undefined || index === undefined ? undefined : { message, index };
}

/**
 * Relays one message by id (see the module comment). Throws `AGENT_MESSAGE_NOT_FOUND`,
 * `AGENT_SIGNATURES_BELOW_THRESHOLD` (validators have not signed it yet: retry later),
 * `AGENT_UNKNOWN_DESTINATION`, or `AGENT_DELIVERY_REJECTED` with the destination's reason.
 */
export async function relayMessage(opts: RelayMessageOpts, messageIdHex: Hex): Promise<RelayMessageResult> {
  const id = normalizeBytes32(messageIdHex);
  const out = await opts.hub.outboundMessage(id);
  if (out !== undefined) return relayFromHub(opts, id, out.nonce, out.message);
  for (const route of opts.evm) {
    const found = await findEvmMessage(route, id);
    if (found !== undefined) return relayToHub(opts, route, id, found.index, found.message);
  }
  throw new AgentError(
    'AGENT_MESSAGE_NOT_FOUND',
    `message ${id} is neither in the hub outbox nor dispatched on ${opts.evm.map((r) => r.chain.metadata.name).join(', ') || 'any configured chain'}`,
    { messageId: id },
  );
}

async function relayToHub(
  opts: RelayMessageOpts,
  route: EvmRoute,
  id: Hex,
  index: number,
  message: Uint8Array,
): Promise<RelayMessageResult> {
  const origin = route.chain.metadata.domainId;
  const base = { direction: 'toHub' as const, origin, destination: HUB_DOMAIN, index };
  if ((await opts.hub.inboundStatus(id)) !== undefined) return { ...base, outcome: 'already_delivered' };
  if (opts.hubSigner === undefined) {
    throw new AgentError('AGENT_CONFIG_INVALID', 'a hub key is needed to relay to the hub (--hub-key)', {
      field: 'hubSigner',
    });
  }
  const cfg = (await opts.hub.origins()).find((o) => o.domain === origin);
  if (cfg === undefined) {
    throw new AgentError('AGENT_UNKNOWN_DESTINATION', `the hub does not list origin ${origin}`, {
      domain: origin,
    });
  }
  const set =
    route.fast ??
    (await validatorSetFromAnnouncements(
      route.client,
      route.chain.addresses.validatorAnnounce as Address,
      cfg.fast,
    ));
  const q = gatherQuorum(
    set,
    origin,
    addressToBytes32(route.chain.addresses.merkleTreeHook as Hex),
    index,
    id,
  );
  const metadata = encodeMessageIdMultisigMetadata({
    merkleTreeHook: q.checkpoint.merkleTreeHook,
    root: q.checkpoint.root,
    index,
    signatures: q.signatures,
  });
  const signer = opts.hubSigner;
  const acct = await opts.hub.account(signer.address);
  if (acct === undefined) {
    throw new AgentError('AGENT_CONFIG_INVALID', `hub account ${signer.address} does not exist`, {
      field: 'hubSigner',
    });
  }
  const any = processMessageAny({ relayer: signer.address, metadata, message, tier: TIER.FAST });
  const tx = signHubTx({
    signer,
    chainId: await opts.hub.chainId(),
    accountNumber: acct.accountNumber,
    sequence: acct.sequence,
    msgs: [any],
    gasLimit: BigInt(60_000 + 12 * (any.value.length + 400)),
  });
  const r = await opts.hub.broadcastTxSync(tx);
  if (r.code !== 0) {
    if (r.log.startsWith('HUB_MESSAGE_REPLAYED')) return { ...base, outcome: 'already_delivered' };
    throw new AgentError('AGENT_DELIVERY_REJECTED', `the hub refused the delivery: ${r.log}`, {
      messageId: id,
    });
  }
  const end = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < end) {
    const res = await opts.hub.txResult(r.hash);
    if (res !== undefined) {
      if (res.code === 0) return { ...base, outcome: 'delivered', txHash: r.hash };
      if (res.log.startsWith('HUB_MESSAGE_REPLAYED')) return { ...base, outcome: 'already_delivered' };
      throw new AgentError('AGENT_DELIVERY_REJECTED', `the delivery tx failed: ${res.log}`, {
        messageId: id,
      });
    }
    await new Promise((res2) => setTimeout(res2, 100));
  }
  throw new AgentError('AGENT_TRANSIENT', `tx ${r.hash} not committed within ${opts.timeoutMs ?? 60_000} ms`);
}

async function relayFromHub(
  opts: RelayMessageOpts,
  id: Hex,
  nonce: number,
  message: Uint8Array,
): Promise<RelayMessageResult> {
  const m = decodeMessage(message);
  const base = {
    direction: 'fromHub' as const,
    origin: HUB_DOMAIN,
    destination: m.destination,
    index: nonce,
  };
  const route = opts.evm.find((r) => r.chain.metadata.domainId === m.destination);
  if (route?.wallet === undefined) {
    throw new AgentError(
      'AGENT_UNKNOWN_DESTINATION',
      `no chain with a sender key is configured for destination ${m.destination}`,
      { domain: m.destination, messageId: id },
    );
  }
  const mailbox = route.chain.addresses.mailbox as Address;
  if (
    await route.client.readContract({
      address: mailbox,
      abi: MAILBOX_ABI,
      functionName: 'delivered',
      args: [id],
    })
  ) {
    return { ...base, outcome: 'already_delivered' };
  }
  const recipient = bytes32ToAddress(m.recipient) as Address;
  const ism = await route.client.readContract({
    address: mailbox,
    abi: MAILBOX_ABI,
    functionName: 'recipientIsm',
    args: [recipient],
  });
  const moduleType = await route.client.readContract({
    address: ism,
    abi: MULTISIG_ISM_ABI,
    functionName: 'moduleType',
  });
  if (moduleType !== 5) {
    throw new AgentError(
      'AGENT_CONFIG_INVALID',
      `recipient ${recipient}'s ISM is of module type ${moduleType}; single relays build MessageId metadata (5) only — run the relayer for MerkleRoot ISMs`,
      { field: 'ism', value: moduleType, limit: 5 },
    );
  }
  const [validators, threshold] = await route.client.readContract({
    address: ism,
    abi: MULTISIG_ISM_ABI,
    functionName: 'validatorsAndThreshold',
    args: [bytesToHex(message)],
  });
  const set: ValidatorSet = {
    validators: validators.map((v) => v.toLowerCase() as Hex),
    threshold,
    locations: opts.hubValidatorLocations ?? new Map(),
  };
  const q = gatherQuorum(set, HUB_DOMAIN, HUB_TREE_HOOK, nonce, id);
  const metadata = encodeMessageIdMultisigMetadata({
    merkleTreeHook: HUB_TREE_HOOK,
    root: q.checkpoint.root,
    index: nonce,
    signatures: q.signatures,
  });
  try {
    await route.client.simulateContract({
      account: route.wallet.account,
      address: mailbox,
      abi: MAILBOX_ABI,
      functionName: 'process',
      args: [bytesToHex(metadata), bytesToHex(message)],
    });
  } catch (e) {
    const reason = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message;
    if (/already delivered/i.test(reason)) return { ...base, outcome: 'already_delivered' };
    throw new AgentError('AGENT_DELIVERY_REJECTED', `Mailbox.process would revert: ${reason}`, {
      messageId: id,
    });
  }
  const hash = await route.wallet.writeContract({
    address: mailbox,
    abi: MAILBOX_ABI,
    functionName: 'process',
    args: [bytesToHex(metadata), bytesToHex(message)],
    gas: 1_000_000n,
  });
  const r = await route.client.waitForTransactionReceipt({ hash, timeout: opts.timeoutMs ?? 60_000 });
  if (r.status !== 'success') {
    throw new AgentError('AGENT_DELIVERY_REJECTED', `Mailbox.process reverted in ${hash}`, { messageId: id });
  }
  return { ...base, outcome: 'delivered', txHash: hash };
}

/**
 * Deploys Hyperlane core onto a local EVM chain with viem, from the compiled artifacts shipped in
 * `@hyperlane-xyz/core` (its ethers-v5 typechain factories carry `abi` and `bytecode`; importing the
 * package loads ethers 5, a dev dependency):
 *
 * - `Mailbox(localDomain)`, initialised with owner, default ISM, default hook = `MerkleTreeHook`,
 *   required hook = `ProtocolFee` with a zero fee and a zero maximum (never the merkle hook twice: every
 *   message would be inserted into the tree twice);
 * - `MerkleTreeHook(mailbox)`, `ValidatorAnnounce(mailbox)`;
 * - `StaticMessageIdMultisigIsmFactory` and `StaticMerkleRootMultisigIsmFactory` (ISMs are deployed
 *   through them, deterministic per (validators, threshold));
 * - optionally a `TestRecipient`.
 */
import {
  Mailbox__factory,
  MerkleTreeHook__factory,
  ProtocolFee__factory,
  StaticMerkleRootMultisigIsmFactory__factory,
  StaticMessageIdMultisigIsm__factory,
  StaticMessageIdMultisigIsmFactory__factory,
  TestRecipient__factory,
  ValidatorAnnounce__factory,
} from '@hyperlane-xyz/core';
import type { Address, Hex } from 'viem';
import { DevnetEvmError } from './anvil.ts';
import { deployBytecode, type EvmClients, waitForSuccess } from './clients.ts';

/** Addresses of one chain's Hyperlane core deployment. */
export type HyperlaneCoreAddresses = {
  /** The chain's Hyperlane domain id (`Mailbox.localDomain()`). */
  domain: number;
  mailbox: Address;
  /** Default hook: inserts every dispatched message id into the chain's incremental tree. */
  merkleTreeHook: Address;
  /** Required hook: `ProtocolFee` with fee 0 and max fee 0 (owned by `owner`). */
  requiredHook: Address;
  validatorAnnounce: Address;
  messageIdMultisigIsmFactory: Address;
  merkleRootMultisigIsmFactory: Address;
  /** The mailbox's default ISM. */
  defaultIsm: Address;
  /** Present when `testRecipient: true` was asked. */
  testRecipient?: Address;
  /** Owner of the mailbox and the fee hook. */
  owner: Address;
  /** Block number of the mailbox deployment (where log scans may start). */
  deployedAtBlock: bigint;
};

/** Which multisig ISM family. */
export type MultisigIsmType = 'messageId' | 'merkleRoot';

/** A static multisig ISM: `threshold` of `validators` (signatures in this list's order). */
export type MultisigIsmConfig = {
  type: MultisigIsmType;
  validators: readonly Address[];
  threshold: number;
};

/** Options of {@link deployHyperlaneCore}. */
export type DeployHyperlaneCoreOpts = {
  /** Hyperlane domain id of this chain (uint32). */
  localDomain: number;
  /** Owner of the mailbox and the fee hook; default: the deploying account. */
  owner?: Address;
  /**
   * The mailbox's default ISM: an existing contract address, or a static multisig deployed through the
   * factories. Default: a 1-of-1 MessageId multisig whose validator is the deploying account (safe, if
   * useless: our contracts name their own ISM; a devnet passes the hub's validator set here).
   */
  defaultIsm?: Address | MultisigIsmConfig;
  /** Also deploy a `TestRecipient` (for tests). */
  testRecipient?: boolean;
};

/** `Mailbox__factory.abi`, re-exported so callers need not import `@hyperlane-xyz/core` themselves. */
export const mailboxAbi = Mailbox__factory.abi;
/** `MerkleTreeHook__factory.abi`. */
export const merkleTreeHookAbi = MerkleTreeHook__factory.abi;
/** `ValidatorAnnounce__factory.abi`. */
export const validatorAnnounceAbi = ValidatorAnnounce__factory.abi;
/** `TestRecipient__factory.abi`. */
export const testRecipientAbi = TestRecipient__factory.abi;
/** ABI of a static multisig ISM (`verify`, `validatorsAndThreshold`, `moduleType`; same for both types). */
export const staticMultisigIsmAbi = StaticMessageIdMultisigIsm__factory.abi;
/** ABI shared by both static multisig ISM factories (`deploy`, `getAddress`). */
export const staticMultisigIsmFactoryAbi = StaticMessageIdMultisigIsmFactory__factory.abi;

/**
 * Deploys a static multisig ISM through its factory (CREATE2: the same (validators, threshold) always
 * yields the same address; a second deploy returns the existing one) and returns its address.
 */
export async function deployMultisigIsm(
  clients: EvmClients,
  core: Pick<HyperlaneCoreAddresses, 'messageIdMultisigIsmFactory' | 'merkleRootMultisigIsmFactory'>,
  config: MultisigIsmConfig,
): Promise<Address> {
  const { validators, threshold } = config;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > validators.length || threshold > 255) {
    throw new DevnetEvmError(
      'DEVNET_ISM_THRESHOLD',
      `multisig ISM threshold ${threshold} must be in [1, validators.length = ${validators.length}] and ≤ 255`,
      { threshold, validators: validators.length },
    );
  }
  const factory =
    config.type === 'messageId' ? core.messageIdMultisigIsmFactory : core.merkleRootMultisigIsmFactory;
  const args = [validators, threshold] as const;
  const hash = await clients.walletClient.writeContract({
    address: factory,
    abi: staticMultisigIsmFactoryAbi,
    functionName: 'deploy',
    args,
  });
  await waitForSuccess(clients, hash, `deploy ${config.type} multisig ISM`);
  return await clients.publicClient.readContract({
    address: factory,
    abi: staticMultisigIsmFactoryAbi,
    functionName: 'getAddress',
    args,
  });
}

/** Deploys and initialises Hyperlane core on one chain; see the module comment for the pieces. */
export async function deployHyperlaneCore(
  clients: EvmClients,
  opts: DeployHyperlaneCoreOpts,
): Promise<HyperlaneCoreAddresses> {
  const deployer = clients.walletClient.account.address;
  const owner = opts.owner ?? deployer;
  const mailbox = await deployBytecode(
    clients,
    'Mailbox',
    Mailbox__factory.abi,
    Mailbox__factory.bytecode as Hex,
    [opts.localDomain],
  );
  const deployedAtBlock = await clients.publicClient.getBlockNumber();
  const merkleTreeHook = await deployBytecode(
    clients,
    'MerkleTreeHook',
    MerkleTreeHook__factory.abi,
    MerkleTreeHook__factory.bytecode as Hex,
    [mailbox],
  );
  const requiredHook = await deployBytecode(
    clients,
    'ProtocolFee',
    ProtocolFee__factory.abi,
    ProtocolFee__factory.bytecode as Hex,
    [0n, 0n, owner, owner],
  );
  const messageIdMultisigIsmFactory = await deployBytecode(
    clients,
    'StaticMessageIdMultisigIsmFactory',
    StaticMessageIdMultisigIsmFactory__factory.abi,
    StaticMessageIdMultisigIsmFactory__factory.bytecode as Hex,
    [],
  );
  const merkleRootMultisigIsmFactory = await deployBytecode(
    clients,
    'StaticMerkleRootMultisigIsmFactory',
    StaticMerkleRootMultisigIsmFactory__factory.abi,
    StaticMerkleRootMultisigIsmFactory__factory.bytecode as Hex,
    [],
  );
  const factories = { messageIdMultisigIsmFactory, merkleRootMultisigIsmFactory };
  const ismOpt = opts.defaultIsm ?? { type: 'messageId', validators: [deployer], threshold: 1 };
  const defaultIsm =
    typeof ismOpt === 'string' ? ismOpt : await deployMultisigIsm(clients, factories, ismOpt);
  const initHash = await clients.walletClient.writeContract({
    address: mailbox,
    abi: Mailbox__factory.abi,
    functionName: 'initialize',
    args: [owner, defaultIsm, merkleTreeHook, requiredHook],
  });
  await waitForSuccess(clients, initHash, 'Mailbox.initialize');
  const validatorAnnounce = await deployBytecode(
    clients,
    'ValidatorAnnounce',
    ValidatorAnnounce__factory.abi,
    ValidatorAnnounce__factory.bytecode as Hex,
    [mailbox],
  );
  const out: HyperlaneCoreAddresses = {
    domain: opts.localDomain,
    mailbox,
    merkleTreeHook,
    requiredHook,
    validatorAnnounce,
    ...factories,
    defaultIsm,
    owner,
    deployedAtBlock,
  };
  if (opts.testRecipient === true) {
    out.testRecipient = await deployBytecode(
      clients,
      'TestRecipient',
      TestRecipient__factory.abi,
      TestRecipient__factory.bytecode as Hex,
      [],
    );
  }
  return out;
}

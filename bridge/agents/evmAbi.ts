/**
 * The few Hyperlane contract functions and events the agents call, as human-readable viem ABIs.
 * Written from the Solidity interfaces (`IMailbox`, `MerkleTreeHook`, `IValidatorAnnounce`,
 * `IMultisigIsm`); a unit test checks every selector and topic against the compiled ABIs of
 * `@hyperlane-xyz/core` (a dev dependency the agents must not need at run time).
 */
import { parseAbi } from 'viem';

/** Mailbox: `Dispatch`/`DispatchId`/`ProcessId` events, `process`, `delivered`, `recipientIsm`, `nonce`. */
export const MAILBOX_ABI = parseAbi([
  'event Dispatch(address indexed sender, uint32 indexed destination, bytes32 indexed recipient, bytes message)',
  'event DispatchId(bytes32 indexed messageId)',
  'event ProcessId(bytes32 indexed messageId)',
  'function process(bytes _metadata, bytes _message) payable',
  'function delivered(bytes32 _id) view returns (bool)',
  'function recipientIsm(address _recipient) view returns (address)',
  'function nonce() view returns (uint32)',
  'function localDomain() view returns (uint32)',
]);

/** MerkleTreeHook: `InsertedIntoTree`, `count`, `root`, `latestCheckpoint`. */
export const MERKLE_TREE_HOOK_ABI = parseAbi([
  'event InsertedIntoTree(bytes32 messageId, uint32 index)',
  'function count() view returns (uint32)',
  'function root() view returns (bytes32)',
  'function latestCheckpoint() view returns (bytes32, uint32)',
]);

/** ValidatorAnnounce: `announce`, `getAnnouncedStorageLocations`, `getAnnouncedValidators`. */
export const VALIDATOR_ANNOUNCE_ABI = parseAbi([
  'function announce(address _validator, string _storageLocation, bytes _signature) returns (bool)',
  'function getAnnouncedStorageLocations(address[] _validators) view returns (string[][])',
  'function getAnnouncedValidators() view returns (address[])',
]);

/** Static multisig ISMs: `validatorsAndThreshold`, `moduleType`. */
export const MULTISIG_ISM_ABI = parseAbi([
  'function validatorsAndThreshold(bytes _message) view returns (address[], uint8)',
  'function moduleType() view returns (uint8)',
]);

/** Hyperlane `IInterchainSecurityModule.Types`: MERKLE_ROOT_MULTISIG = 4, MESSAGE_ID_MULTISIG = 5. */
export const ISM_MODULE_TYPE = { MERKLE_ROOT_MULTISIG: 4, MESSAGE_ID_MULTISIG: 5 } as const;

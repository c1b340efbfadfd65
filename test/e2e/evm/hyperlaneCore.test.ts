/**
 * Hyperlane core deployed by `devnet/evm` on one anvil: dispatched message bytes and ids agree with
 * `@hyperlane-xyz/utils` and `bridge/`; the real MerkleTreeHook's `latestCheckpoint()` equals both
 * `bridge/`'s incremental tree and a naive tree written here after each of 100 dispatches; metadata
 * built by `bridge/` for those messages is accepted by the real StaticMessageIdMultisigIsm and
 * StaticMerkleRootMultisigIsm (and a tampered message is not).
 */
import { formatMessage, messageId as utilsMessageId } from '@hyperlane-xyz/utils';
import { type Address, concat, type Hex, keccak256, pad, parseEventLogs, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  messageId as bridgeMessageId,
  bytesToHex,
  encodeMerkleRootMultisigMetadata,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  IncrementalMerkleTree,
  signCheckpoint,
} from '../../../bridge/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  deployMultisigIsm,
  type HyperlaneCoreAddresses,
  mailboxAbi,
  merkleTreeHookAbi,
  staticMultisigIsmAbi,
  staticMultisigIsmFactoryAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
import { addressToBytes32 } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS, startTestChains, stopTestChains, type TestChain } from '../../helpers/anvil.ts';

// A second, deliberately naive tree: keeps every leaf and folds the whole level list each time
// (Merkle.sol keeps branches; this keeps leaves), so an agreement is not a shared bug.
function naiveRoot(leaves: readonly Hex[]): Hex {
  let zero: Hex = pad('0x', { size: 32 });
  let level: Hex[] = [...leaves];
  for (let depth = 0; depth < 32; depth++) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(keccak256(concat([level[i]!, level[i + 1] ?? zero])));
    }
    level = next;
    zero = keccak256(concat([zero, zero]));
  }
  return level[0] ?? zero;
}

const LOCAL_DOMAIN = 31337;
let chains: TestChain[] | undefined;
let clients: EvmClients;
let core: HyperlaneCoreAddresses;

beforeAll(async () => {
  chains = await startTestChains(1);
  const c = chains[0]!;
  clients = createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: ANVIL_KEYS[0] });
  core = await deployHyperlaneCore(clients, { localDomain: LOCAL_DOMAIN, testRecipient: true });
});

afterAll(async () => {
  await stopTestChains(chains);
});

describe('deployHyperlaneCore', () => {
  it('wires the mailbox: domain, default hook = merkle hook, required hook = zero-fee hook, default ISM', async () => {
    const read = <const F extends 'localDomain' | 'defaultHook' | 'requiredHook' | 'defaultIsm' | 'owner'>(
      functionName: F,
    ) => clients.publicClient.readContract({ address: core.mailbox, abi: mailboxAbi, functionName });
    expect(await read('localDomain')).toBe(LOCAL_DOMAIN);
    expect((await read('defaultHook')).toLowerCase()).toBe(core.merkleTreeHook.toLowerCase());
    expect((await read('requiredHook')).toLowerCase()).toBe(core.requiredHook.toLowerCase());
    expect(core.requiredHook.toLowerCase()).not.toBe(core.merkleTreeHook.toLowerCase());
    expect((await read('defaultIsm')).toLowerCase()).toBe(core.defaultIsm.toLowerCase());
    const quote = await clients.publicClient.readContract({
      address: core.mailbox,
      abi: mailboxAbi,
      functionName: 'quoteDispatch',
      args: [1, pad('0x01', { size: 32 }), '0x'],
    });
    expect(quote).toBe(0n);
  });

  it('deploys the default ISM through the factory (getAddress agrees, code present)', async () => {
    const predicted = await clients.publicClient.readContract({
      address: core.messageIdMultisigIsmFactory,
      abi: staticMultisigIsmFactoryAbi,
      functionName: 'getAddress',
      args: [[clients.walletClient.account.address], 1],
    });
    expect(predicted.toLowerCase()).toBe(core.defaultIsm.toLowerCase());
    const code = await clients.publicClient.getCode({ address: core.defaultIsm });
    expect(code !== undefined && code.length > 2).toBe(true);
  });
});

// Filled by the dispatch test, used by the ISM test.
const dispatched: Hex[] = [];
const bridgeTree = new IncrementalMerkleTree();

describe('MerkleTreeHook vs bridge/ and a naive tree', () => {
  it('latestCheckpoint() equals both roots after each of 100 dispatches; bytes and ids match utils and bridge', async () => {
    const leaves: Hex[] = [];
    const sender = clients.walletClient.account.address;
    const recipient = pad('0x2222222222222222222222222222222222222222', { size: 32 });
    for (let i = 0; i < 100; i++) {
      const destination = 1000 + (i % 3);
      const body = toHex(`payload-${i}-${'x'.repeat(i)}`);
      const hash = await clients.walletClient.writeContract({
        address: core.mailbox,
        abi: mailboxAbi,
        functionName: 'dispatch',
        args: [destination, recipient, body],
      });
      const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
      const [dispatch] = parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: 'Dispatch' });
      const [dispatchId] = parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: 'DispatchId' });
      const expectedMessage = formatMessage(3, i, LOCAL_DOMAIN, sender, destination, recipient, body);
      const ours = bytesToHex(
        encodeMessage({
          nonce: i,
          origin: LOCAL_DOMAIN,
          sender: addressToBytes32(sender),
          destination,
          recipient,
          body,
        }),
      );
      expect(dispatch?.args.message, `message bytes #${i} (utils)`).toBe(expectedMessage.toLowerCase());
      expect(dispatch?.args.message, `message bytes #${i} (bridge)`).toBe(ours);
      const id = utilsMessageId(expectedMessage) as Hex;
      expect(keccak256(dispatch!.args.message), `id #${i}`).toBe(id);
      expect(bridgeMessageId(ours), `bridge id #${i}`).toBe(id);
      expect(dispatchId?.args.messageId, `DispatchId #${i}`).toBe(id);
      leaves.push(id);
      dispatched.push(ours);
      expect(bridgeTree.insert(id), `bridge leaf index #${i}`).toBe(i);
      const [root, index] = await clients.publicClient.readContract({
        address: core.merkleTreeHook,
        abi: merkleTreeHookAbi,
        functionName: 'latestCheckpoint',
      });
      expect(index, `index after #${i}`).toBe(i);
      expect(root, `naive root after #${i}`).toBe(naiveRoot(leaves));
      expect(root, `bridge root after #${i}`).toBe(bridgeTree.root());
    }
  });
});

describe('bridge/ metadata against the real multisig ISMs', () => {
  const keys = [ANVIL_KEYS[5], ANVIL_KEYS[6], ANVIL_KEYS[7]] as const;
  const validators = keys.map((k) => privateKeyToAccount(k).address);
  const treeHook = () => addressToBytes32(core.merkleTreeHook);
  const verify = (ism: Address, metadata: Hex, message: Hex) =>
    clients.publicClient
      .simulateContract({
        address: ism,
        abi: staticMultisigIsmAbi,
        functionName: 'verify',
        args: [metadata, message],
      })
      .then(
        (r) => r.result,
        () => false,
      );
  // signatures of validators #0 and #2 (list order), 2-of-3
  const sign = (root: Hex, index: number, id: Hex) =>
    [keys[0], keys[2]].map((k) =>
      signCheckpoint(k, { origin: LOCAL_DOMAIN, merkleTreeHook: treeHook(), root, index, messageId: id }),
    );

  it('MessageId and MerkleRoot metadata for dispatched messages verify; a tampered body does not', async () => {
    expect(dispatched.length).toBe(100);
    const config = { validators, threshold: 2 };
    const messageIdIsm = await deployMultisigIsm(clients, core, { type: 'messageId', ...config });
    const merkleRootIsm = await deployMultisigIsm(clients, core, { type: 'merkleRoot', ...config });
    const signedIndex = 99;
    const signedId = bridgeMessageId(dispatched[signedIndex]!);
    const signedRoot = bridgeTree.rootAt(signedIndex + 1);
    const merkleRootSigs = sign(signedRoot, signedIndex, signedId);
    for (const i of [0, 1, 37, 64, 99]) {
      const message = dispatched[i]!;
      const id = bridgeMessageId(message);
      const root = bridgeTree.rootAt(i + 1);
      const midMeta = bytesToHex(
        encodeMessageIdMultisigMetadata({
          merkleTreeHook: treeHook(),
          root,
          index: i,
          signatures: sign(root, i, id),
        }),
      );
      expect(await verify(messageIdIsm, midMeta, message), `MessageId #${i}`).toBe(true);
      const mrMeta = bytesToHex(
        encodeMerkleRootMultisigMetadata({
          merkleTreeHook: treeHook(),
          messageIndex: i,
          signedMessageId: signedId,
          proof: bridgeTree.proof(i, signedIndex + 1),
          signedIndex,
          signatures: merkleRootSigs,
        }),
      );
      expect(await verify(merkleRootIsm, mrMeta, message), `MerkleRoot #${i}`).toBe(true);
      const tampered = `${message.slice(0, -2)}${message.endsWith('00') ? '01' : '00'}` as Hex;
      expect(await verify(messageIdIsm, midMeta, tampered), `MessageId tampered #${i}`).toBe(false);
      expect(await verify(merkleRootIsm, mrMeta, tampered), `MerkleRoot tampered #${i}`).toBe(false);
    }
  });
});

/**
 * Hyperlane core deployed by `devnet/evm` on one anvil: dispatched message bytes and ids agree with
 * `@hyperlane-xyz/utils`, and the real MerkleTreeHook's `latestCheckpoint()` equals a depth-32
 * incremental tree written here (independently of `bridge/`) after each of 100 dispatches.
 */
import { formatMessage, messageId as utilsMessageId } from '@hyperlane-xyz/utils';
import { concat, type Hex, keccak256, pad, parseEventLogs, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  type HyperlaneCoreAddresses,
  mailboxAbi,
  merkleTreeHookAbi,
  staticMultisigIsmFactoryAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
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

describe('MerkleTreeHook vs an independent tree', () => {
  it('latestCheckpoint() equals our root after each of 100 dispatches; bytes and ids match utils', async () => {
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
      expect(dispatch?.args.message, `message bytes #${i}`).toBe(expectedMessage.toLowerCase());
      const id = utilsMessageId(expectedMessage) as Hex;
      expect(keccak256(dispatch!.args.message), `id #${i}`).toBe(id);
      expect(dispatchId?.args.messageId, `DispatchId #${i}`).toBe(id);
      leaves.push(id);
      const [root, index] = await clients.publicClient.readContract({
        address: core.merkleTreeHook,
        abi: merkleTreeHookAbi,
        functionName: 'latestCheckpoint',
      });
      expect(index, `index after #${i}`).toBe(i);
      expect(root, `root after #${i}`).toBe(naiveRoot(leaves));
    }
  });
});

/**
 * The validator on a real anvil with the real Hyperlane core: checkpoint files in Hyperlane's local
 * layout whose roots equal the real MerkleTreeHook's, signing only at the configured depth, the
 * ValidatorAnnounce record, restart after a crash between mark and files, and reorgs —
 * `anvil_reorg` deeper than the reorg period raises the flag and halts, shallower does not.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, hashMessage, recoverAddress, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceOnEvm,
  EvmOriginReader,
  isAgentError,
  LocalCheckpointStorage,
  MERKLE_TREE_HOOK_ABI,
  VALIDATOR_ANNOUNCE_ABI,
  Validator,
} from '../../../bridge/agents/index.ts';
import { checkpointHash } from '../../../bridge/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  type HyperlaneCoreAddresses,
  mailboxAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
import { addressToBytes32 } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS, startTestChains, stopTestChains, type TestChain } from '../../helpers/anvil.ts';

const DOMAIN = 31337;
const VKEY = ANVIL_KEYS[3] as Hex;
const VADDR = privateKeyToAccount(VKEY).address;
let chains: TestChain[] | undefined;
let clients: EvmClients;
let core: HyperlaneCoreAddresses;
const dirs: string[] = [];

beforeAll(async () => {
  chains = await startTestChains(1, { slotsInAnEpoch: 2 });
  const c = chains[0]!;
  clients = createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: ANVIL_KEYS[0] });
  core = await deployHyperlaneCore(clients, { localDomain: DOMAIN, testRecipient: true });
});
afterAll(async () => {
  await stopTestChains(chains);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'umg-val-'));
  dirs.push(d);
  return d;
}

let bodyNonce = 0;
async function dispatch(): Promise<void> {
  const hash = await clients.walletClient.writeContract({
    address: core.mailbox,
    abi: mailboxAbi,
    functionName: 'dispatch',
    args: [7, addressToBytes32(core.testRecipient!), stringToHex(`hello ${bodyNonce++}`)],
  });
  const r = await clients.publicClient.waitForTransactionReceipt({ hash });
  expect(r.status).toBe('success');
}
async function mine(n: number): Promise<void> {
  await clients.publicClient.request({
    method: 'anvil_mine' as never,
    params: [`0x${n.toString(16)}`] as never,
  });
}
async function reorg(depth: number): Promise<void> {
  await clients.publicClient.request({ method: 'anvil_reorg' as never, params: [depth, []] as never });
}
async function hookCount(): Promise<number> {
  return Number(
    await clients.publicClient.readContract({
      address: core.merkleTreeHook,
      abi: MERKLE_TREE_HOOK_ABI,
      functionName: 'count',
    }),
  );
}

function makeValidator(dir: string, reorgPeriod: number | 'finalized', fromBlock = core.deployedAtBlock) {
  const storage = new LocalCheckpointStorage(join(dir, 'checkpoints'));
  const reader = new EvmOriginReader({
    client: clients.publicClient,
    domain: DOMAIN,
    merkleTreeHook: core.merkleTreeHook as Address,
    reorgPeriod,
    fromBlock,
  });
  return {
    storage,
    v: new Validator({
      reader,
      privateKey: VKEY,
      storage,
      highWaterMarkPath: join(dir, 'hwm.json'),
      gitSha: 'test',
      nowSec: () => 1_800_000_000,
    }),
  };
}

describe('validator on an EVM origin', () => {
  let dir: string;
  it('signs every leaf at tip − reorgPeriod, in Hyperlane local layout, roots equal to latestCheckpoint()', async () => {
    dir = tmp();
    const { v, storage } = makeValidator(dir, 3);
    const { location, sent } = await announceOnEvm({
      privateKey: VKEY,
      storage,
      domain: DOMAIN,
      mailbox: core.mailbox as Hex,
      publicClient: clients.publicClient,
      walletClient: clients.walletClient,
      validatorAnnounce: core.validatorAnnounce,
    });
    expect(sent).toBe(true);
    const [locs] = await clients.publicClient.readContract({
      address: core.validatorAnnounce,
      abi: VALIDATOR_ANNOUNCE_ABI,
      functionName: 'getAnnouncedStorageLocations',
      args: [[VADDR]],
    });
    expect(locs).toEqual([location]);
    v.start();
    await v.stop(); // writes metadata_latest.json and runs one tick
    const roots: Hex[] = [];
    for (let i = 0; i < 3; i++) {
      await dispatch();
      const [root] = await clients.publicClient.readContract({
        address: core.merkleTreeHook,
        abi: MERKLE_TREE_HOOK_ABI,
        functionName: 'latestCheckpoint',
      });
      roots.push(root);
    }
    // The last dispatch is at the tip: with reorgPeriod 3 nothing of the last 3 blocks is signed.
    await v.tick();
    expect(v.count).toBeLessThan(3);
    await mine(3);
    const r = await v.tick();
    expect(v.count).toBe(3);
    expect(r.signed + 0).toBeGreaterThan(0);
    const files = readdirSync(storage.dir).sort();
    expect(files).toEqual([
      '0_with_id.json',
      '1_with_id.json',
      '2_with_id.json',
      'announcement.json',
      'index.json',
      'metadata_latest.json',
    ]);
    expect(readFileSync(join(storage.dir, 'index.json'), 'utf8')).toBe('2');
    for (let i = 0; i < 3; i++) {
      const j = JSON.parse(readFileSync(join(storage.dir, `${i}_with_id.json`), 'utf8'));
      expect(j.value.checkpoint.root, `root ${i}`).toBe(roots[i]);
      expect(j.value.checkpoint.index).toBe(i);
      expect(j.value.checkpoint.mailbox_domain).toBe(DOMAIN);
      expect(j.value.checkpoint.merkle_tree_hook_address).toBe(
        addressToBytes32(core.merkleTreeHook).toLowerCase(),
      );
      const cp = storage.readCheckpoint(i)!.checkpoint;
      const signer = await recoverAddress({
        hash: hashMessage({ raw: checkpointHash(cp) }),
        signature: j.serialized_signature,
      });
      expect(signer).toBe(VADDR);
    }
    expect(v.highWaterMark?.index).toBe(2);
  });

  it('after a crash between mark and files, a restart re-writes the same checkpoint and signs nothing twice', async () => {
    const storage = new LocalCheckpointStorage(join(dir, 'checkpoints'));
    const before = readFileSync(storage.checkpointPath(2), 'utf8');
    unlinkSync(storage.checkpointPath(2));
    const { v } = makeValidator(dir, 3);
    const r = await v.tick();
    expect(r.rewritten).toBe(1);
    expect(r.signed).toBe(0);
    expect(readFileSync(storage.checkpointPath(2), 'utf8')).toBe(before);
  });

  it('a reorg shallower than the reorg period does not raise the flag', async () => {
    const { v, storage } = makeValidator(dir, 3);
    await v.tick();
    const n = v.count;
    await dispatch(); // at the tip, within the period: not signed yet
    expect(await hookCount()).toBe(n + 1);
    await reorg(2); // drops the dispatch's block and one more, both inside the period
    expect(await hookCount()).toBe(n);
    const r = await v.tick();
    expect(r.reorg).toBeUndefined();
    await mine(5);
    await v.tick();
    expect(v.halted).toBeUndefined();
    expect(v.count).toBe(n);
    expect(existsSync(join(storage.dir, 'reorg_flag.json'))).toBe(false);
  });

  it('a reorg deeper than the reorg period raises reorg_flag.json and halts; a restart refuses to run', async () => {
    const { v, storage } = makeValidator(dir, 3);
    await v.tick();
    const n = v.count;
    await dispatch();
    await mine(3);
    const s = await v.tick();
    expect(s.signed).toBe(1);
    expect(v.count).toBe(n + 1);
    const signedRoot = storage.readCheckpoint(n)!.checkpoint.root;
    await reorg(5); // replaces the dispatch's block and the 3 after it, beyond the period
    expect(await hookCount()).toBe(n);
    const r = await v.tick();
    expect(r.reorg).toBeDefined();
    expect(v.halted?.checkpointIndex).toBe(n);
    const flag = JSON.parse(readFileSync(join(storage.dir, 'reorg_flag.json'), 'utf8'));
    expect(Object.keys(flag).sort()).toEqual([
      'canonical_merkle_root',
      'checkpoint_index',
      'local_merkle_root',
      'reorg_period',
      'unix_timestamp',
    ]);
    expect(flag.local_merkle_root).toBe(signedRoot);
    expect(flag.canonical_merkle_root).not.toBe(signedRoot);
    expect(flag.reorg_period).toBe(3);
    // Halted: later dispatches are never signed.
    await dispatch();
    await mine(4);
    await v.tick();
    expect(v.count).toBe(n + 1);
    expect(storage.readCheckpoint(n + 1)).toBeUndefined();
    const again = makeValidator(dir, 3).v;
    let err: unknown;
    try {
      again.start();
    } catch (e) {
      err = e;
    }
    expect(isAgentError(err, 'AGENT_REORG_FLAG_PRESENT')).toBe(true);
  });

  it('with reorgPeriod "finalized" signs only what the finalized tag covers', async () => {
    // A second core on the same anvil: a fresh tree.
    const core2 = await deployHyperlaneCore(clients, { localDomain: 4242, testRecipient: true });
    const d = tmp();
    const storage = new LocalCheckpointStorage(join(d, 'checkpoints'));
    const v = new Validator({
      reader: new EvmOriginReader({
        client: clients.publicClient,
        domain: 4242,
        merkleTreeHook: core2.merkleTreeHook as Address,
        reorgPeriod: 'finalized',
        fromBlock: core2.deployedAtBlock,
      }),
      privateKey: VKEY,
      storage,
      highWaterMarkPath: join(d, 'hwm.json'),
    });
    const hash = await clients.walletClient.writeContract({
      address: core2.mailbox,
      abi: mailboxAbi,
      functionName: 'dispatch',
      args: [7, addressToBytes32(core2.testRecipient!), stringToHex('final')],
    });
    await clients.publicClient.waitForTransactionReceipt({ hash });
    await mine(3); // slotsInAnEpoch 2: finalized = head − 4, still before the dispatch
    await v.tick();
    expect(v.count).toBe(0);
    await mine(1);
    await v.tick();
    expect(v.count).toBe(1);
    expect(storage.readCheckpoint(0)?.checkpoint.origin).toBe(4242);
  });

  it('a validator whose scan starts after earlier leaves refuses to sign (cannot rebuild the root)', async () => {
    const head = await clients.publicClient.getBlockNumber();
    const { v } = makeValidator(tmp(), 0, head + 1n);
    await dispatch();
    let err: unknown;
    try {
      await v.tick();
    } catch (e) {
      err = e;
    }
    expect(isAgentError(err, 'AGENT_ORIGIN_INCONSISTENT')).toBe(true);
    expect(v.count).toBe(0);
  });
});

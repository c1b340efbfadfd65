/**
 * Reading an EVM origin through viem: its MerkleTreeHook at the validators' signing depth
 * (`reorgPeriod` blocks behind the tip, or a block tag such as `finalized`), the `InsertedIntoTree`
 * leaves, and the Mailbox `Dispatch` messages.
 */
import type { Address, PublicClient } from 'viem';
import { addressToBytes32, EMPTY_MERKLE_TREE, type Hex, messageId, treeRoot } from '../index.ts';
import type { ReorgPeriod } from './chainMetadata.ts';
import { MAILBOX_ABI, MERKLE_TREE_HOOK_ABI } from './evmAbi.ts';
import type { OriginReader, OriginTarget } from './validator.ts';

/** Largest block range per `eth_getLogs` call. */
export const LOG_RANGE_BLOCKS = 5_000n;

/** The block number a validator reads at: tip − `reorgPeriod`, or the tagged block. `undefined` before there is one. */
export async function signingBlock(
  client: PublicClient,
  reorgPeriod: ReorgPeriod,
): Promise<bigint | undefined> {
  if (typeof reorgPeriod === 'number') {
    const tip = await client.getBlockNumber({ cacheTime: 0 });
    const b = tip - BigInt(reorgPeriod);
    return b < 0n ? undefined : b;
  }
  const blk = await client.getBlock({ blockTag: reorgPeriod });
  return blk.number ?? undefined;
}

/** `count()` and `root()` of a MerkleTreeHook at `blockNumber`. */
export async function readTreeAt(
  client: PublicClient,
  hook: Address,
  blockNumber: bigint,
): Promise<{ count: number; root: Hex }> {
  const [count, root] = await Promise.all([
    client.readContract({ address: hook, abi: MERKLE_TREE_HOOK_ABI, functionName: 'count', blockNumber }),
    client.readContract({ address: hook, abi: MERKLE_TREE_HOOK_ABI, functionName: 'root', blockNumber }),
  ]);
  return { count: Number(count), root: root.toLowerCase() as Hex };
}

/** `InsertedIntoTree` leaves in blocks `[from, to]`, as (index, message id, block). */
export async function fetchInsertedLeaves(
  client: PublicClient,
  hook: Address,
  from: bigint,
  to: bigint,
): Promise<{ index: number; messageId: Hex; blockNumber: bigint }[]> {
  const out: { index: number; messageId: Hex; blockNumber: bigint }[] = [];
  for (let a = from; a <= to; a += LOG_RANGE_BLOCKS) {
    const b = a + LOG_RANGE_BLOCKS - 1n < to ? a + LOG_RANGE_BLOCKS - 1n : to;
    const logs = await client.getContractEvents({
      address: hook,
      abi: MERKLE_TREE_HOOK_ABI,
      eventName: 'InsertedIntoTree',
      fromBlock: a,
      toBlock: b,
    });
    for (const l of logs) {
      out.push({
        index: Number(l.args.index),
        messageId: (l.args.messageId as Hex).toLowerCase() as Hex,
        blockNumber: l.blockNumber,
      });
    }
  }
  return out;
}

/** A dispatched message as the relayer indexes it. */
export interface DispatchedMessage {
  /** The raw message bytes. */
  readonly message: Hex;
  readonly id: Hex;
  readonly destination: number;
  readonly nonce: number;
  readonly blockNumber: bigint;
}

/** Mailbox `Dispatch` events in `[from, to]`, optionally only those to `destination`. */
export async function fetchDispatches(
  client: PublicClient,
  mailbox: Address,
  from: bigint,
  to: bigint,
  destination?: number,
): Promise<DispatchedMessage[]> {
  const out: DispatchedMessage[] = [];
  for (let a = from; a <= to; a += LOG_RANGE_BLOCKS) {
    const b = a + LOG_RANGE_BLOCKS - 1n < to ? a + LOG_RANGE_BLOCKS - 1n : to;
    const logs = await client.getContractEvents({
      address: mailbox,
      abi: MAILBOX_ABI,
      eventName: 'Dispatch',
      fromBlock: a,
      toBlock: b,
      ...(destination === undefined ? {} : { args: { destination } }),
    });
    for (const l of logs) {
      const message = (l.args.message as Hex).toLowerCase() as Hex;
      out.push({
        message,
        id: messageId(message),
        destination: Number(l.args.destination),
        nonce: Number.parseInt(message.slice(4, 12), 16),
        blockNumber: l.blockNumber,
      });
    }
  }
  return out;
}

/** Options of {@link EvmOriginReader}. */
export interface EvmOriginReaderOpts {
  readonly client: PublicClient;
  readonly domain: number;
  readonly merkleTreeHook: Address;
  readonly reorgPeriod: ReorgPeriod;
  /** First block to scan (the core deployment block). */
  readonly fromBlock?: bigint;
}

const EMPTY_ROOT = treeRoot(EMPTY_MERKLE_TREE);

/**
 * An EVM origin for a validator: the hook's `count()`/`root()` at the signing block, leaves from
 * `InsertedIntoTree` logs scanned incrementally (and from the start when asked to rescan).
 */
export class EvmOriginReader implements OriginReader {
  readonly domain: number;
  readonly merkleTreeHook: Hex;
  readonly reorgPeriod: ReorgPeriod;
  private scannedTo: bigint;
  private readonly byIndex = new Map<number, Hex>();

  constructor(private readonly opts: EvmOriginReaderOpts) {
    this.domain = opts.domain;
    this.merkleTreeHook = addressToBytes32(opts.merkleTreeHook as Hex);
    this.reorgPeriod = opts.reorgPeriod;
    this.scannedTo = (opts.fromBlock ?? 0n) - 1n;
  }

  async target(): Promise<OriginTarget> {
    const b = await signingBlock(this.opts.client, this.reorgPeriod);
    if (b === undefined || b < (this.opts.fromBlock ?? 0n)) return { count: 0, root: EMPTY_ROOT, at: -1n };
    const t = await readTreeAt(this.opts.client, this.opts.merkleTreeHook, b);
    return { ...t, at: b };
  }

  async leaves(from: number, target: OriginTarget, rescan: boolean): Promise<Hex[] | undefined> {
    if (rescan) {
      this.byIndex.clear();
      this.scannedTo = (this.opts.fromBlock ?? 0n) - 1n;
    }
    if (target.at > this.scannedTo) {
      const got = await fetchInsertedLeaves(
        this.opts.client,
        this.opts.merkleTreeHook,
        this.scannedTo + 1n,
        target.at,
      );
      for (const l of got) this.byIndex.set(l.index, l.messageId);
      this.scannedTo = target.at;
    }
    const out: Hex[] = [];
    for (let i = from; i < target.count; i++) {
      const id = this.byIndex.get(i);
      if (id === undefined) return undefined;
      out.push(id);
    }
    // Leaves below `from` are no longer needed in memory.
    for (const k of this.byIndex.keys()) if (k < from) this.byIndex.delete(k);
    return out;
  }
}

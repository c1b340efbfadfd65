/**
 * The hub as a validator's origin. A hub validator runs its own follower node (a `HubNode` in
 * follow mode with its own store, which replays and checks every block) and reads the outbound
 * tree from the follower's *recomputed* state — so it signs only roots its follower derived, never
 * what the sequencer claims. Leaves come from the stored tree nodes (`chain/hyperlane/outbox.ts`).
 */
import { HUB_DOMAIN, HUB_TREE_HOOK } from '../../chain/hyperlane/constants.ts';
import { outboundCheckpointAt, readOutboundTree } from '../../chain/hyperlane/outbox.ts';
import type { HubNode } from '../../chain/node/hubNode.ts';
import type { StateReader } from '../../state/types.ts';
import { type Hex, treeRoot } from '../index.ts';
import type { OriginReader, OriginTarget } from './validator.ts';

/** Where a {@link HubOriginReader} reads: a state snapshot and the height it belongs to. */
export interface HubStateSource {
  /** A consistent read view of committed state. */
  view(): StateReader;
  /** The committed height of that state. */
  height(): bigint;
}

/** A follower node as a state source (its store after each replayed and verified block). */
export function followerSource(node: HubNode): HubStateSource {
  return { view: () => node.store.view(), height: () => node.height };
}

/** The hub's outbound tree as an {@link OriginReader}. Reorg period 0: a committed hub block is final. */
export class HubOriginReader implements OriginReader {
  readonly domain = HUB_DOMAIN;
  readonly merkleTreeHook: Hex = HUB_TREE_HOOK;
  readonly reorgPeriod = 0;

  constructor(private readonly source: HubStateSource) {}

  async target(): Promise<OriginTarget> {
    const tree = readOutboundTree(this.source.view());
    return { count: tree.count, root: treeRoot(tree), at: this.source.height() };
  }

  async leaves(from: number, target: OriginTarget): Promise<Hex[] | undefined> {
    const v = this.source.view();
    const out: Hex[] = [];
    for (let i = from; i < target.count; i++) {
      const c = outboundCheckpointAt(v, i, HUB_TREE_HOOK);
      if (c === undefined) return undefined;
      out.push(c.messageId);
    }
    return out;
  }
}

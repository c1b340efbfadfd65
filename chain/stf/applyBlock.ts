/**
 * applyBlock: the pure, synchronous, deterministic state-transition function.
 *
 * `applyBlock(state, block, config)` applies every tx of a block to `state` and returns the
 * receipts, or — when the block holds a tx that must never enter a block (decode, chain id,
 * signature, low-s or sequence failure; block gas over the limit) — reports the block invalid
 * and leaves `state` as it was. The code applied is selected by height through
 * {@link STF_VERSIONS}, so old blocks replay with the rules of their time.
 */
import type { StateView } from '../../state/types.ts';
import type { Event, TxResult } from '../codec/messages.ts';
import { ChainError } from '../errors.ts';
import { applyGovernanceEndBlock } from '../governance/endBlock.ts';
import { readBridge } from '../hyperlane/config.ts';
import { MarginCache } from '../margin/cache.ts';
import { readMarginConfig } from '../margin/config.ts';
import { applyMarginEndBlock } from '../margin/endBlock.ts';
import { readParams } from '../params.ts';
import { type DecodedTx, decodeTx } from '../tx.ts';
import { anteCheck, type BlockContext, type ChainConfig, executeTx } from './applyTx.ts';

export type { BlockContext, ChainConfig } from './applyTx.ts';

/** What a block carries into the STF. */
export interface BlockInput extends BlockContext {
  txs: readonly Uint8Array[];
}

export interface ApplyBlockOpts {
  /**
   * Txs the caller already decoded with the block's params and whose signatures it verified
   * against this state's account numbers (the sequencer's CheckTx), keyed by the very byte array
   * in `block.txs`. Decoding and signature validity are pure functions of the tx bytes, the params
   * and the account number, so skipping them changes no outcome.
   */
  prechecked?: ReadonlyMap<Uint8Array, DecodedTx>;
  /**
   * The node's margin cache, in line with the state before this block (chain/margin/cache.ts).
   * Without one, a fresh cache is built from the state before the first tx: the same results,
   * at the cost of a full re-margin (followers replaying, `verify`, tests).
   */
  margin?: MarginCache;
}

export type ApplyBlockResult =
  | { ok: true; results: TxResult[]; gasWanted: bigint; endBlockEvents: Event[] }
  | { ok: false; error: ChainError; txIndex: number };

type ApplyFn = (
  state: StateView,
  block: BlockInput,
  config: ChainConfig,
  opts: ApplyBlockOpts,
) => ApplyBlockResult;

const applyBlockV1: ApplyFn = (state, block, config, opts) => {
  const params = readParams(state);
  const margin = opts.margin!;
  const blockCtx = { ...block, margin };
  const results: TxResult[] = [];
  let gasWanted = 0n;
  for (const [i, bytes] of block.txs.entries()) {
    try {
      const pre = opts.prechecked?.get(bytes);
      const tx = pre ?? decodeTx(bytes, params);
      gasWanted += tx.gasLimit;
      if (gasWanted > params.blockGasLimit) {
        throw new ChainError(
          'TX_BLOCK_GAS_LIMIT',
          `block gas ${gasWanted} exceeds the limit ${params.blockGasLimit}`,
        );
      }
      const verified = pre !== undefined;
      const account = anteCheck(state, tx, config, block, params, { signatureVerified: verified });
      results.push(executeTx(state, tx, account, config, blockCtx));
    } catch (e) {
      if (e instanceof ChainError) return { ok: false, error: e, txIndex: i };
      throw e;
    }
  }
  return { ok: true, results, gasWanted, endBlockEvents: [] };
};

/**
 * End-block of v1, after the txs' checkpoint is folded in (it reads the block's net changes):
 * governance activations, then unified margin (chain/margin/endBlock.ts).
 */
function endBlockV1(state: StateView, block: BlockInput, margin: MarginCache): Event[] {
  const events: Event[] = [];
  applyGovernanceEndBlock(state, { height: block.height, timeMs: block.timeMs, events });
  applyMarginEndBlock(state, { height: block.height, timeMs: block.timeMs, events, cache: margin });
  return events;
}

/** A cache that has never seen this chain's margin config is built from the state before the block. */
function prepareMargin(state: StateView, cache: MarginCache, timeMs: bigint): void {
  if (cache.kernel !== undefined) return;
  const config = readMarginConfig(state);
  const bridge = readBridge(state);
  if (config === undefined || bridge === undefined) return;
  cache.sync(state, config, bridge, timeMs, undefined);
}

/** STF versions by activation height, ascending. Append a version; never edit an activated one. */
export const STF_VERSIONS: readonly {
  fromHeight: bigint;
  version: number;
  apply: ApplyFn;
  endBlock: (state: StateView, block: BlockInput, margin: MarginCache) => Event[];
}[] = [{ fromHeight: 1n, version: 1, apply: applyBlockV1, endBlock: endBlockV1 }];

/** The STF version in force at `height`. */
export function stfVersionAt(height: bigint): number {
  let v = STF_VERSIONS[0]!;
  for (const s of STF_VERSIONS) if (s.fromHeight <= height) v = s;
  return v.version;
}

/**
 * Applies a block. On an invalid block the state is reverted to what it was and the error names
 * the offending tx.
 */
export function applyBlock(
  state: StateView,
  block: BlockInput,
  config: ChainConfig,
  opts: ApplyBlockOpts = {},
): ApplyBlockResult {
  const version = stfVersionAt(block.height);
  const v = STF_VERSIONS.find((s) => s.version === version)!;
  const margin = opts.margin ?? new MarginCache();
  prepareMargin(state, margin, block.timeMs);
  state.checkpoint();
  const r = v.apply(state, block, config, { ...opts, margin });
  if (!r.ok) {
    state.revert();
    return r;
  }
  state.commit();
  return { ...r, endBlockEvents: v.endBlock(state, block, margin) };
}

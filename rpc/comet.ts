/**
 * Converters from the hub's records to CometBFT 0.38 JSON shapes (what `@cosmjs/tendermint-rpc`'s
 * comet38 adaptor decodes). Hashes are upper-case hex, bytes base64, integers decimal strings.
 */
import { createHash } from 'node:crypto';
import type { Block, TxResult } from '../chain/index.ts';
import { toHex } from '../chain/index.ts';

export const COMET_VERSION = '0.38.25';
export const BLOCK_PROTOCOL = '11';

export const hexUpper = (b: Uint8Array) => toHex(b).toUpperCase();
export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** CometBFT-style 20-byte address of the sequencer's ed25519 key: sha256(pubkey)[:20]. */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(pubKey).digest()).subarray(0, 20);
}

/** RFC 3339 with nanoseconds from unix ms. */
export function rfc3339(ms: bigint): string {
  const d = new Date(Number(ms));
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000000Z`;
}

const EMPTY_HASH = hexUpper(new Uint8Array(createHash('sha256').digest()));

function blockId(hash: Uint8Array) {
  return { hash: hexUpper(hash), parts: { total: 1, hash: hexUpper(hash) } };
}

/** The `block` response: block_id and block in CometBFT JSON. */
export function cometBlock(block: Block, hash: Uint8Array) {
  const h = block.header!;
  const proposer = hexUpper(validatorAddress(h.proposerPubKey));
  const first = h.height === 1n;
  const lastId = first ? { hash: '', parts: { total: 0, hash: '' } } : blockId(h.lastBlockHash);
  return {
    block_id: blockId(hash),
    block: {
      header: {
        version: { block: BLOCK_PROTOCOL, app: String(h.stfVersion) },
        chain_id: h.chainId,
        height: h.height.toString(),
        time: rfc3339(h.timeMs),
        last_block_id: lastId,
        last_commit_hash: EMPTY_HASH,
        data_hash: hexUpper(h.dataHash),
        validators_hash: EMPTY_HASH,
        next_validators_hash: EMPTY_HASH,
        consensus_hash: EMPTY_HASH,
        app_hash: hexUpper(h.appHash),
        last_results_hash: hexUpper(h.lastResultsHash),
        evidence_hash: EMPTY_HASH,
        proposer_address: proposer,
      },
      data: { txs: block.txs.map(b64) },
      evidence: { evidence: [] },
      last_commit: {
        height: first ? '0' : (h.height - 1n).toString(),
        round: 0,
        block_id: lastId,
        signatures: [],
      },
    },
    // Not CometBFT: the sequencer's ed25519 signature over sha256(Header bytes), base64.
    sequencer_signature: b64(block.signature),
  };
}

/** tx_result / result JSON of a receipt. */
export function cometTxResult(r: TxResult) {
  return {
    code: r.code,
    data: b64(r.data),
    log: r.log,
    info: '',
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: r.events.map((e) => ({
      type: e.type,
      attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })),
    })),
    codespace: r.codespace,
  };
}

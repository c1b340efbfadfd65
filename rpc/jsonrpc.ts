/**
 * The CometBFT 0.38 JSON-RPC subset stock `@cosmjs/stargate` clients use: status, abci_query,
 * broadcast_tx_sync (and _async), tx_search, tx, block, health, abci_info, num_unconfirmed_txs.
 * Params arrive as a JSON object (POST) or as URI query strings (GET form, where strings are
 * double-quoted and bytes are 0x-hex or quoted base64); both are validated with errors naming the
 * parameter.
 */

import {
  BLOCK_PROTOCOL,
  b64,
  COMET_VERSION,
  cometBlock,
  cometTxResult,
  hexUpper,
  rfc3339,
  validatorAddress,
} from './comet.ts';
import {
  abciQuery,
  BlockCodec,
  bech32FromBytes,
  blockHash,
  fromHex,
  type HubNode,
  parseBech32,
  TxResultCodec,
  toHex,
} from './deps.ts';
import { invalidParams, RPC_CODE, RpcError } from './errors.ts';

export const LIMITS = {
  maxBatch: 20,
  maxPerPage: 100,
  maxQueryPathChars: 256,
  maxQueryDataBytes: 65_536,
};

type Params = Record<string, unknown>;
type Method = (node: HubNode, p: Params) => Promise<unknown>;

function str(p: Params, name: string, required: boolean): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) {
    if (required) throw invalidParams(`missing parameter ${name}`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParams(`parameter ${name} must be a string, got ${typeof v}`);
  // URI form quotes strings: "value"
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function int(
  p: Params,
  name: string,
  dflt: number | undefined,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return dflt;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.replace(/^"|"$/g, '') : undefined;
  if (s === undefined || !/^[0-9]{1,16}$/.test(s))
    throw invalidParams(`parameter ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  const n = Number(s);
  if (n > max) throw invalidParams(`parameter ${name} is ${n}; the maximum is ${max}`);
  return n;
}

/** Bytes given as 0x-hex (URI form), plain hex (abci_query data) or base64 (tx). */
function bytesParam(p: Params, name: string, encoding: 'hex' | 'base64', maxBytes: number): Uint8Array {
  const raw = str(p, name, encoding === 'base64') ?? '';
  let out: Uint8Array | undefined;
  if (raw.startsWith('0x')) out = fromHex(raw);
  else if (encoding === 'hex') out = fromHex(raw);
  else if (/^[A-Za-z0-9+/]*={0,2}$/.test(raw) && raw.length % 4 === 0)
    out = new Uint8Array(Buffer.from(raw, 'base64'));
  if (out === undefined) throw invalidParams(`parameter ${name} is not valid ${encoding}`);
  if (out.length > maxBytes)
    throw invalidParams(`parameter ${name} is ${out.length} bytes; the maximum is ${maxBytes}`);
  return out;
}

async function txJson(node: HubNode, hash: Uint8Array) {
  const t = await node.store.getTx(hash);
  if (t === undefined) return undefined;
  return {
    hash: hexUpper(hash),
    height: t.height.toString(),
    index: t.index,
    tx_result: cometTxResult(TxResultCodec.decode(t.resultBytes)),
    tx: b64(t.txBytes),
  };
}

const methods: Record<string, Method> = {
  async health() {
    return {};
  },

  async status(node) {
    const pub = node.genesis.sequencerPubKey;
    const addr = hexUpper(validatorAddress(pub));
    return {
      node_info: {
        protocol_version: { p2p: '8', block: BLOCK_PROTOCOL, app: '1' },
        id: toHex(validatorAddress(pub)),
        listen_addr: 'tcp://127.0.0.1:0',
        network: node.config.chainId,
        version: COMET_VERSION,
        channels: '',
        moniker: node.isSequencer ? 'unimargin-sequencer' : 'unimargin-follower',
        other: { tx_index: 'on', rpc_address: '' },
      },
      sync_info: {
        latest_block_hash: hexUpper(node.lastBlockHash),
        latest_app_hash: hexUpper(node.store.root),
        latest_block_height: node.height.toString(),
        latest_block_time: rfc3339(node.lastBlockTimeMs),
        earliest_block_hash: '',
        earliest_app_hash: '',
        earliest_block_height: '1',
        earliest_block_time: rfc3339(node.genesis.genesisTimeMs),
        catching_up: false,
      },
      validator_info: {
        address: addr,
        pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(pub) },
        voting_power: '1',
      },
    };
  },

  async abci_info(node) {
    return {
      response: {
        data: 'unimargin',
        version: '0.1.0',
        app_version: '1',
        last_block_height: node.height.toString(),
        last_block_app_hash: b64(node.store.root),
      },
    };
  },

  async abci_query(node, p) {
    const path = str(p, 'path', true)!;
    if (path.length > LIMITS.maxQueryPathChars)
      throw invalidParams(`path is longer than ${LIMITS.maxQueryPathChars} chars`);
    const data = bytesParam(p, 'data', 'hex', LIMITS.maxQueryDataBytes);
    const height = int(p, 'height', 0);
    const r = await abciQuery(node, path, data, BigInt(height!));
    return {
      response: {
        code: r.code,
        log: r.log,
        info: '',
        index: '0',
        key: null,
        value: b64(r.value),
        proofOps: null,
        height: r.height.toString(),
        codespace: r.codespace,
      },
    };
  },

  async broadcast_tx_sync(node, p) {
    const tx = bytesParam(p, 'tx', 'base64', 1_048_576);
    const r = await node.checkTx(tx);
    return { code: r.code, data: '', log: r.log, codespace: r.codespace, hash: hexUpper(r.hash) };
  },

  async broadcast_tx_async(node, p) {
    return methods.broadcast_tx_sync!(node, p);
  },

  async num_unconfirmed_txs(node) {
    return {
      n_txs: String(node.mempool.size),
      total: String(node.mempool.size),
      total_bytes: String(node.mempool.sizeBytes),
      txs: null,
    };
  },

  async block(node, p) {
    const height = int(p, 'height', 0);
    const h = height === 0 ? node.height : BigInt(height!);
    if (h < 1n || h > node.height) {
      throw new RpcError(
        RPC_CODE.serverError,
        'Internal error',
        `height ${h} must be between 1 and the latest height ${node.height}`,
      );
    }
    const bytes = await node.store.getBlock(h);
    if (bytes === undefined)
      throw new RpcError(RPC_CODE.serverError, 'Internal error', `block ${h} is not stored`);
    const block = BlockCodec.decode(bytes);
    return cometBlock(block, blockHash(block.header!));
  },

  async tx(node, p) {
    const hash = bytesParam(p, 'hash', 'base64', 32);
    const t = await txJson(node, hash);
    if (t === undefined)
      throw new RpcError(RPC_CODE.serverError, 'Internal error', `tx (${hexUpper(hash)}) not found`);
    return t;
  },

  async tx_search(node, p) {
    const query = str(p, 'query', true)!;
    const page = int(p, 'page', 1)!;
    const perPage = int(p, 'per_page', 30, LIMITS.maxPerPage)!;
    if (page < 1) throw invalidParams('page must be ≥ 1');
    if (perPage < 1) throw invalidParams('per_page must be ≥ 1');
    const orderRaw = str(p, 'order_by', false) ?? 'asc';
    if (orderRaw !== 'asc' && orderRaw !== 'desc' && orderRaw !== '')
      throw invalidParams(`order_by must be "asc" or "desc", got ${JSON.stringify(orderRaw)}`);
    const order = orderRaw === 'desc' ? 'desc' : 'asc';
    const byHash = /^\s*tx\.hash\s*=\s*'([0-9A-Fa-f]{64})'\s*$/.exec(query);
    if (byHash) {
      const t = await txJson(node, fromHex(byHash[1]!)!);
      return { txs: t === undefined || page > 1 ? [] : [t], total_count: t === undefined ? '0' : '1' };
    }
    const bySender = /^\s*message\.sender\s*=\s*'([a-z0-9]+)'\s*$/.exec(query);
    if (bySender) {
      const sender = bySender[1]!;
      const bytes = parseBech32(sender);
      if (bytes === undefined) throw invalidParams(`message.sender ${sender} is not a umg address`);
      const r = await node.store.txsBySender(bech32FromBytes(bytes), { page, perPage, order });
      const txs = r.txs.map((t) => ({
        hash: hexUpper(t.hash),
        height: t.height.toString(),
        index: t.index,
        tx_result: cometTxResult(TxResultCodec.decode(t.resultBytes)),
        tx: b64(t.txBytes),
      }));
      return { txs, total_count: String(r.total) };
    }
    throw invalidParams(
      `unsupported query ${JSON.stringify(query)}: use tx.hash='HEX' or message.sender='umg1…'`,
    );
  },
};

/** True when `name` is a JSON-RPC method of this node. */
export function hasMethod(name: string): boolean {
  return Object.hasOwn(methods, name);
}

/** Runs one method call. Throws RpcError for bad requests. */
export async function callMethod(node: HubNode, method: string, params: unknown): Promise<unknown> {
  if (!hasMethod(method))
    throw new RpcError(
      RPC_CODE.methodNotFound,
      'Method not found',
      `unknown method ${JSON.stringify(method).slice(0, 80)}`,
    );
  let p: Params;
  if (params === undefined || params === null) p = {};
  else if (typeof params === 'object' && !Array.isArray(params)) p = params as Params;
  else throw invalidParams('params must be an object of named parameters');
  return methods[method]!(node, p);
}

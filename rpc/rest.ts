/**
 * REST under `/v1` (JSON; bigints as decimal strings, bytes as hex) and Prometheus `/metrics`.
 * Errors: `{ "error": { "code": "NOT_FOUND" | "BAD_REQUEST", "message": "…" } }`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  BlockCodec,
  blockHash,
  getAccount,
  getFeeBalance,
  linkedEvmAddresses,
  parseBech32,
  readParams,
  TxResultCodec,
  toChecksumAddress,
  toHex,
} from '../chain/index.ts';
import { proofToHex } from '../state/index.ts';
import { registerBridgeRoutes } from './bridgeRoutes.ts';
import { b64, cometBlock, cometTxResult } from './comet.ts';
import { fromHex, type HubNode } from './deps.ts';

export const REST_LIMITS = { maxKeyBytes: 1024 };

function notFound(reply: FastifyReply, message: string) {
  return reply.status(404).send({ error: { code: 'NOT_FOUND', message } });
}
function badRequest(reply: FastifyReply, message: string) {
  return reply.status(400).send({ error: { code: 'BAD_REQUEST', message } });
}

function parseHeight(s: string, latest: bigint): bigint | string {
  if (s === 'latest') return latest;
  if (!/^[0-9]{1,16}$/.test(s))
    return `height ${JSON.stringify(s.slice(0, 40))} is not a non-negative integer`;
  return BigInt(s);
}

export function registerRest(app: FastifyInstance, node: HubNode): void {
  registerBridgeRoutes(app, node);
  app.get('/v1/health', async () => ({
    ok: node.followError === undefined,
    height: node.height.toString(),
    role: node.isSequencer ? 'sequencer' : 'follower',
    ...(node.followError
      ? { error: { code: node.followError.code, message: node.followError.message } }
      : {}),
  }));

  app.get('/v1/status', async () => ({
    chain_id: node.config.chainId,
    height: node.height.toString(),
    app_hash: toHex(node.store.root),
    last_block_hash: toHex(node.lastBlockHash),
    genesis_hash: toHex(node.genesisHash),
    mempool_size: node.mempool.size,
  }));

  app.get<{ Params: { height: string } }>('/v1/blocks/:height', async (req, reply) => {
    const h = parseHeight(req.params.height, node.height);
    if (typeof h === 'string') return badRequest(reply, h);
    const bytes = h >= 1n && h <= node.height ? await node.store.getBlock(h) : undefined;
    if (bytes === undefined) return notFound(reply, `block ${h} not found; latest is ${node.height}`);
    const block = BlockCodec.decode(bytes);
    const hdr = block.header!;
    return {
      height: hdr.height.toString(),
      hash: toHex(blockHash(hdr)),
      time_ms: hdr.timeMs.toString(),
      app_hash: toHex(hdr.appHash),
      last_results_hash: toHex(hdr.lastResultsHash),
      num_txs: hdr.numTxs,
      comet: cometBlock(block, blockHash(hdr)),
    };
  });

  app.get<{ Params: { height: string } }>('/v1/blocks/:height/raw', async (req, reply) => {
    const h = parseHeight(req.params.height, node.height);
    if (typeof h === 'string') return badRequest(reply, h);
    const bytes = h >= 1n && h <= node.height ? await node.store.getBlock(h) : undefined;
    if (bytes === undefined) return notFound(reply, `block ${h} not found; latest is ${node.height}`);
    return { height: h.toString(), block: b64(bytes) };
  });

  app.get<{ Params: { hash: string } }>('/v1/txs/:hash', async (req, reply) => {
    const hash = fromHex(req.params.hash);
    if (hash === undefined || hash.length !== 32) return badRequest(reply, 'tx hash must be 32 bytes of hex');
    const t = await node.store.getTx(hash);
    if (t === undefined) return notFound(reply, `tx ${req.params.hash} not found`);
    return {
      hash: toHex(hash),
      height: t.height.toString(),
      index: t.index,
      tx: b64(t.txBytes),
      result: cometTxResult(TxResultCodec.decode(t.resultBytes)),
    };
  });

  app.get<{ Params: { address: string } }>('/v1/accounts/:address', async (req, reply) => {
    const addr = parseBech32(req.params.address);
    if (addr === undefined)
      return badRequest(
        reply,
        `${JSON.stringify(req.params.address.slice(0, 90))} is not a umg bech32 address`,
      );
    const view = node.store.view();
    const a = getAccount(view, addr);
    if (a === undefined) return notFound(reply, `account ${req.params.address} not found`);
    return {
      address: req.params.address,
      account_number: a.accountNumber.toString(),
      sequence: a.sequence.toString(),
      pub_key: toHex(a.pubKey),
      evm_addresses: linkedEvmAddresses(view, addr).map(toChecksumAddress),
      balances: [{ denom: readParams(view).feeDenom, amount: getFeeBalance(view, addr).toString() }],
      height: node.height.toString(),
    };
  });

  app.get<{ Params: { key: string }; Querystring: { height?: string } }>(
    '/v1/proof/:key',
    async (req, reply) => {
      const key = fromHex(req.params.key);
      if (key === undefined || key.length === 0) return badRequest(reply, 'key must be non-empty hex');
      if (key.length > REST_LIMITS.maxKeyBytes)
        return badRequest(reply, `key is ${key.length} bytes; the maximum is ${REST_LIMITS.maxKeyBytes}`);
      const h = req.query.height === undefined ? node.height : parseHeight(req.query.height, node.height);
      if (typeof h === 'string') return badRequest(reply, h);
      if (h > node.height) return notFound(reply, `height ${h} is not committed; latest is ${node.height}`);
      const p = await node.store.proof(key, h);
      if (p === undefined) return notFound(reply, `no state root stored for height ${h}`);
      return {
        key: toHex(key),
        height: h.toString(),
        root: toHex(p.root),
        value: p.value === undefined ? null : toHex(p.value),
        proof: proofToHex(p.proof),
        // The block whose header carries this root (CometBFT convention: header H+1).
        header_height: (h + 1n).toString(),
      };
    },
  );

  app.get('/metrics', async (_req, reply) => {
    const m = node.metrics;
    const lines = [
      '# HELP unimargin_block_height Last committed block height.',
      '# TYPE unimargin_block_height gauge',
      `unimargin_block_height ${node.height}`,
      '# HELP unimargin_blocks_committed_total Blocks committed since start.',
      '# TYPE unimargin_blocks_committed_total counter',
      `unimargin_blocks_committed_total ${m.blocksCommitted}`,
      '# HELP unimargin_txs_committed_total Transactions committed since start.',
      '# TYPE unimargin_txs_committed_total counter',
      `unimargin_txs_committed_total ${m.txsCommitted}`,
      '# HELP unimargin_checktx_rejected_total Transactions refused by CheckTx since start.',
      '# TYPE unimargin_checktx_rejected_total counter',
      `unimargin_checktx_rejected_total ${m.checkTxRejected}`,
      '# HELP unimargin_mempool_txs Transactions waiting in the mempool.',
      '# TYPE unimargin_mempool_txs gauge',
      `unimargin_mempool_txs ${node.mempool.size}`,
      '# HELP unimargin_block_commit_seconds Duration of the last block commit (root + batch + fsync).',
      '# TYPE unimargin_block_commit_seconds gauge',
      `unimargin_block_commit_seconds ${(m.lastCommitMs / 1000).toFixed(6)}`,
      '# HELP unimargin_follower_halted 1 when the follower stopped on a failed check.',
      '# TYPE unimargin_follower_halted gauge',
      `unimargin_follower_halted ${node.followError ? 1 : 0}`,
    ];
    reply.header('content-type', 'text/plain; version=0.0.4');
    return `${lines.join('\n')}\n`;
  });
}

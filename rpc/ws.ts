/**
 * `/websocket`: JSON-RPC over WebSocket with CometBFT's `subscribe` / `unsubscribe` /
 * `unsubscribe_all` for `tm.event='NewBlock'` and `tm.event='Tx'` (events carry the subscribe request's
 * id, as CometBFT 0.38 sends them and CosmJS 0.39 filters them). Other methods are answered as over HTTP.
 */
import type { FastifyInstance } from 'fastify';
import type { CommittedBlock } from '../chain/node/hubNode.ts';
import { b64, cometBlock, cometTxResult } from './comet.ts';
import type { HubNode } from './deps.ts';
import { RPC_CODE } from './errors.ts';
import { answer } from './server.ts';

export const WS_LIMITS = { maxSubscriptionsPerConnection: 10, maxConnections: 200 };

type Kind = 'NewBlock' | 'Tx';

function parseQuery(q: unknown): Kind | undefined {
  if (typeof q !== 'string') return undefined;
  const m = /^\s*tm\.event\s*=\s*'(NewBlock|Tx)'\s*$/.exec(q);
  return m ? (m[1] as Kind) : undefined;
}

export function registerWebsocket(app: FastifyInstance, node: HubNode): void {
  let connections = 0;
  app.get('/websocket', { websocket: true }, (socket) => {
    if (connections >= WS_LIMITS.maxConnections) {
      socket.close(1013, 'too many connections');
      return;
    }
    connections++;
    const subs = new Map<string, { id: string | number; kind: Kind; query: string }>();
    const send = (o: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(o));
    };
    const onBlock = (c: CommittedBlock) => {
      for (const s of subs.values()) {
        if (s.kind === 'NewBlock') {
          const cb = cometBlock(c.block, c.hash);
          send({
            jsonrpc: '2.0',
            id: s.id,
            result: {
              query: s.query,
              data: {
                type: 'tendermint/event/NewBlock',
                value: {
                  block: cb.block,
                  block_id: cb.block_id,
                  result_finalize_block: {
                    events: [],
                    tx_results: c.results.map(cometTxResult),
                    app_hash: b64(c.root),
                  },
                },
              },
              events: { 'tm.event': ['NewBlock'], 'block.height': [c.header.height.toString()] },
            },
          });
        } else {
          c.block.txs.forEach((tx, i) => {
            send({
              jsonrpc: '2.0',
              id: s.id,
              result: {
                query: s.query,
                data: {
                  type: 'tendermint/event/Tx',
                  value: {
                    TxResult: {
                      height: c.header.height.toString(),
                      index: i,
                      tx: b64(tx),
                      result: cometTxResult(c.results[i]!),
                    },
                  },
                },
                events: { 'tm.event': ['Tx'], 'tx.height': [c.header.height.toString()] },
              },
            });
          });
        }
      }
    };
    node.on('block', onBlock);
    socket.on('close', () => {
      connections--;
      node.off('block', onBlock);
    });
    socket.on('message', async (raw: Buffer) => {
      let req: { id?: unknown; method?: unknown; params?: { query?: unknown } };
      try {
        req = JSON.parse(raw.toString('utf8'));
      } catch {
        send({
          jsonrpc: '2.0',
          id: -1,
          error: { code: RPC_CODE.parseError, message: 'Parse error', data: 'message is not JSON' },
        });
        return;
      }
      const id = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : -1;
      const err = (data: string) =>
        send({
          jsonrpc: '2.0',
          id,
          error: { code: RPC_CODE.invalidParams, message: 'Invalid params', data },
        });
      if (req.method === 'subscribe') {
        const query = req.params?.query;
        const kind = parseQuery(query);
        if (kind === undefined)
          return err(
            `unsupported subscription query ${JSON.stringify(query)}: use tm.event='NewBlock' or tm.event='Tx'`,
          );
        if (subs.size >= WS_LIMITS.maxSubscriptionsPerConnection)
          return err(`at most ${WS_LIMITS.maxSubscriptionsPerConnection} subscriptions per connection`);
        subs.set(String(query), { id, kind, query: String(query) });
        send({ jsonrpc: '2.0', id, result: {} });
      } else if (req.method === 'unsubscribe') {
        if (!subs.delete(String(req.params?.query))) return err('no such subscription');
        send({ jsonrpc: '2.0', id, result: {} });
      } else if (req.method === 'unsubscribe_all') {
        subs.clear();
        send({ jsonrpc: '2.0', id, result: {} });
      } else {
        send(await answer(node, req));
      }
    });
  });
}

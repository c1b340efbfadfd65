/**
 * The node's HTTP server (fastify): JSON-RPC at `/` (POST, single or batch) and the GET URI form
 * at `/<method>?…`, `/websocket` subscriptions, REST under `/v1`, Prometheus `/metrics`.
 * Routes live here; method bodies in jsonrpc.ts, REST bodies in rest.ts.
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { HubNode } from './deps.ts';
import { RPC_CODE, RpcError, toJsonRpcError } from './errors.ts';
import { callMethod, hasMethod, LIMITS } from './jsonrpc.ts';
import { registerMarginRoutes } from './marginRoutes.ts';
import { registerRest } from './rest.ts';
import { registerWebsocket } from './ws.ts';

export interface RpcServerOpts {
  logger?: Logger;
  /** Request body limit in bytes (default 1 MiB). */
  bodyLimit?: number;
}

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Answers one JSON-RPC request object (never throws). */
export async function answer(node: HubNode, req: unknown): Promise<Record<string, unknown>> {
  const r = (typeof req === 'object' && req !== null && !Array.isArray(req) ? req : {}) as JsonRpcRequest;
  const id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : -1;
  try {
    if (r.jsonrpc !== '2.0' || typeof r.method !== 'string') {
      throw new RpcError(
        RPC_CODE.invalidRequest,
        'Invalid Request',
        'expected {"jsonrpc":"2.0","id":…,"method":"…","params":{…}}',
      );
    }
    const result = await callMethod(node, r.method, r.params);
    return { jsonrpc: '2.0', id, result };
  } catch (e) {
    if (!(e instanceof RpcError)) node.emit('rpcInternalError', e);
    return { jsonrpc: '2.0', id, error: toJsonRpcError(e) };
  }
}

/** Builds (does not start) the server for a node. */
export async function createRpcServer(node: HubNode, opts: RpcServerOpts = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    // Request logging off: a node under load answers thousands of requests a second.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  node.on('rpcInternalError', (e) => app.log.error({ err: e }, 'rpc internal error'));

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) app.log.error({ err }, 'request failed');
    const code =
      status === 413
        ? 'BODY_TOO_LARGE'
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status < 500
            ? 'BAD_REQUEST'
            : 'INTERNAL';
    const message =
      status === 413
        ? `request body exceeds ${opts.bodyLimit ?? 1_048_576} bytes`
        : status < 500
          ? err.message
          : 'internal error; see the node log';
    reply.status(status).send({
      jsonrpc: '2.0',
      id: -1,
      error: {
        code: status === 400 ? RPC_CODE.parseError : RPC_CODE.invalidRequest,
        message: code,
        data: message,
      },
    });
  });

  // CometBFT accepts a JSON-RPC body whatever its content type (curl -d sends form encoding).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const err = Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 });
      done(err, undefined);
    }
  });

  await app.register(websocket, { options: { maxPayload: 65_536 } });

  app.post('/', async (req, reply) => {
    const body = req.body;
    if (Array.isArray(body)) {
      if (body.length === 0 || body.length > LIMITS.maxBatch) {
        return reply.status(400).send({
          jsonrpc: '2.0',
          id: -1,
          error: {
            code: RPC_CODE.invalidRequest,
            message: 'Invalid Request',
            data: `a batch holds 1 to ${LIMITS.maxBatch} requests; got ${body.length}`,
          },
        });
      }
      // Started in order, run concurrently: the node keeps each account's txs in order.
      return Promise.all(body.map((r) => answer(node, r)));
    }
    return answer(node, body);
  });

  app.get<{ Params: { method: string }; Querystring: Record<string, string> }>(
    '/:method',
    async (req, reply) => {
      const method = req.params.method;
      if (!hasMethod(method)) {
        return reply.status(404).send({
          jsonrpc: '2.0',
          id: -1,
          error: {
            code: RPC_CODE.methodNotFound,
            message: 'Method not found',
            data: `unknown method ${method.slice(0, 80)}`,
          },
        });
      }
      return answer(node, { jsonrpc: '2.0', id: -1, method, params: { ...req.query } });
    },
  );

  registerWebsocket(app, node);
  registerRest(app, node);
  registerMarginRoutes(app, node);
  (await import('./dashboard/routes.ts')).registerDashboard(app, node);
  return app;
}

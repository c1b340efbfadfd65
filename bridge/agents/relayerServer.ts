/**
 * The relayer's small HTTP endpoint (fastify): `GET /health`, `GET /status` (cursors per lane),
 * `GET /failures` (permanent failures, newest last, `?limit=`), `GET /metrics` (Prometheus text).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Relayer } from './relayer.ts';

/** Options of {@link startRelayerServer}. */
export interface RelayerServerOpts {
  /** 0 = any free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

/** A started server. */
export interface RelayerServer {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts the relayer's endpoint. */
export async function startRelayerServer(relayer: Relayer, opts: RelayerServerOpts): Promise<RelayerServer> {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ ok: true, lanes: relayer.status() }));
  app.get('/status', async () => ({ lanes: relayer.status(), failures: relayer.failures.length }));
  app.get<{ Querystring: { limit?: string } }>('/failures', async (req) => {
    const limit = Math.max(1, Math.min(10_000, Number(req.query.limit ?? 1000) || 1000));
    const all = relayer.failures;
    return { total: all.length, failures: all.slice(-limit) };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4');
    return relayer.metrics.render();
  });
  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const a = app.server.address();
  const port = typeof a === 'object' && a !== null ? a.port : opts.port;
  return { url: `http://${opts.host ?? '127.0.0.1'}:${port}`, app, close: () => app.close() };
}

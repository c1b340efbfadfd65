/**
 * The dashboard served by the hub at `/dashboard`: a static page (`index.html`, `app.js`,
 * `style.css` from this folder, read once at registration and served as text — no build step, no
 * bundle) and its JSON: `GET /dashboard/api/overview` (see `overview.ts`) and
 * `GET /dashboard/api/chains` (the EVM chains of a Hyperlane registry directory named by the
 * `UNIMARGIN_REGISTRY` environment variable, so the page can show messages dispatched on a chain
 * and not yet delivered; empty without it). Read-only, like the rest of `rpc/`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { keccak256, toHex as viemToHex } from 'viem';
import { overviewLiquidations } from '../marginRoutes.ts';
import type { HubNode } from './deps.ts';
import { buildOverview } from './overview.ts';

const here = new URL('.', import.meta.url).pathname;

/** Content Security Policy of the page: only our own script and style, JSON-RPC to local chains. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss: http://127.0.0.1:* http://localhost:*; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** An EVM chain as `/dashboard/api/chains` lists it. */
export interface DashboardChain {
  name: string;
  domain: number;
  chain_id: number;
  rpc_url: string;
  mailbox: string;
  from_block: number;
}

/** Reads the EVM chains of a registry directory (`chains/<name>/metadata.json` + `addresses.json`). */
export function readRegistryChains(dir: string): DashboardChain[] {
  const root = join(dir, 'chains');
  if (!existsSync(root)) return [];
  const out: DashboardChain[] = [];
  for (const name of readdirSync(root).sort()) {
    try {
      const m = JSON.parse(readFileSync(join(root, name, 'metadata.json'), 'utf8')) as {
        protocol?: string;
        domainId?: number;
        chainId?: number;
        rpcUrls?: { http: string }[];
        index?: { from?: number };
      };
      const a = JSON.parse(readFileSync(join(root, name, 'addresses.json'), 'utf8')) as { mailbox?: string };
      if (m.protocol !== 'ethereum' || m.rpcUrls?.[0] === undefined || a.mailbox === undefined) continue;
      out.push({
        name,
        domain: m.domainId ?? 0,
        chain_id: m.chainId ?? 0,
        rpc_url: m.rpcUrls[0].http,
        mailbox: a.mailbox,
        from_block: m.index?.from ?? 0,
      });
    } catch {
      // an unreadable entry is skipped: the page works without it
    }
  }
  return out;
}

/** Topic hashes of the Mailbox events the page reads from the chains. */
export const MAILBOX_TOPICS = {
  dispatch: keccak256(viemToHex('Dispatch(address,uint32,bytes32,bytes)')),
  dispatchId: keccak256(viemToHex('DispatchId(bytes32)')),
} as const;

/** Registers `/dashboard` and its API on the node's server. */
export function registerDashboard(app: FastifyInstance, node: HubNode): void {
  const files = {
    html: readFileSync(join(here, 'index.html'), 'utf8'),
    js: readFileSync(join(here, 'app.js'), 'utf8'),
    css: readFileSync(join(here, 'style.css'), 'utf8'),
  };
  const registry = process.env.UNIMARGIN_REGISTRY;
  const page = (type: string, body: string) => (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', type)
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(body);
  app.get('/dashboard', page('text/html; charset=utf-8', files.html));
  app.get('/dashboard/', page('text/html; charset=utf-8', files.html));
  app.get('/dashboard/app.js', page('text/javascript; charset=utf-8', files.js));
  app.get('/dashboard/style.css', page('text/css; charset=utf-8', files.css));
  app.get('/dashboard/api/overview', async () => {
    const view = node.store.view();
    return buildOverview(view, node.height, node.config.chainId, {
      liquidations: () => overviewLiquidations(view),
    });
  });
  app.get('/dashboard/api/chains', async () => ({
    hub_domain: 0x554d5247,
    topics: MAILBOX_TOPICS,
    chains: registry === undefined ? [] : readRegistryChains(registry),
  }));
}

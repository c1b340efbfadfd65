/**
 * The devnet's oracle feeder process: every `intervalMs` it steps a seeded price path, has each
 * oracle signer sign its own observation of every feed (spot and forwards every round; rates, SVI
 * and USDC/USD every tenth; an expired option expiry's settlement price) (`devnet/oracle.ts`) and
 * submits them to the hub in one `MsgOracleUpdate` (the hub takes the lower median of ≥ k per feed).
 * The devnet genesis carries the committee (its `oracle` section); only when the hub has none (an
 * older home, `configureCommittee` set) does the feeder set it at start with `MsgUpdateOracleConfig`
 * from the genesis authority. Every round is also published: appended to `<home>/oracle/observations.jsonl` (rotated at
 * 8 MiB), the latest in `latest.json`, and served on 127.0.0.1:`port` — `GET /latest`,
 * `GET /status`, `POST /shock {"symbol":"ETH","factor":0.7}` (a scenario's price crash, applied at
 * the next step).
 *
 * Usage (the devnet starts it): `node --import tsx devnet/proc/oracle.ts <home>/oracle/config.json`.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { oracleConfigKey } from '../../chain/oracle/state.ts';
import { HubTxSender, oracleUpdateAny, updateOracleConfigAny } from '../hubTx.ts';
import {
  evmAddressOf,
  feedValues,
  type Hex,
  type Observation,
  type OracleUnderlying,
  PricePath,
  signObservation,
  toE18,
} from '../oracle.ts';

/** `<home>/oracle/config.json`. */
export interface OracleConfig {
  readonly home: string;
  /** The hub chain id the observations are signed for. */
  readonly chainId: string;
  readonly hubUrl: string;
  /** Submits MsgOracleUpdate (any hub account): its key and bech32 address. */
  readonly submitterKey: Hex;
  readonly submitterAddress: string;
  /** The genesis authority, which sets the committee: its key and bech32 address. */
  readonly authorityKey: Hex;
  readonly authorityAddress: string;
  readonly signerKeys: readonly Hex[];
  /** Committee rules (`chain/oracle` OracleConfig). */
  readonly committee: {
    readonly minObservations: number;
    readonly superMajority: number;
    readonly windowMs: number;
    readonly maxJumpPpm: number;
    readonly staleWithdrawalsMs: number;
    readonly staleLiquidationsMs: number;
    readonly liquidationGraceMs: number;
  };
  readonly intervalMs: number;
  readonly seed: number;
  readonly underlyings: readonly OracleUnderlying[];
  readonly outDir: string;
  readonly port: number;
  readonly parentPid: number;
  /**
   * Set the committee with MsgUpdateOracleConfig when the hub has none (default false: the devnet
   * genesis carries it). A committee already in state is never replaced.
   */
  readonly configureCommittee?: boolean;
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: oracle.ts <config.json>\n');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(path, 'utf8')) as OracleConfig;
mkdirSync(cfg.outDir, { recursive: true });
const journal = join(cfg.outDir, 'observations.jsonl');
const latestPath = join(cfg.outDir, 'latest.json');
const pricePath = new PricePath(cfg.underlyings, cfg.seed);
const submitter = new HubTxSender(cfg.hubUrl, cfg.submitterKey, cfg.submitterAddress, cfg.chainId);
let round = 0;
let submitted = 0;
let lastError: string | null = null;
let latest: unknown = null;
// Settlement prices of expired option expiries, fixed at the first step after each expiry.
const settlements = new Map<string, number>();
let slowAccepted = false;
const CONFIDENCE = toE18(0.99);
const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), proc: 'oracle', msg, ...extra })}\n`);

const json = (o: Observation) => ({
  feed: o.feed,
  value_e18: o.valueE18.toString(),
  confidence_e18: o.confidenceE18.toString(),
  timestamp_ms: o.timestampMs.toString(),
  signer: o.signer,
  signature: o.signature,
});

/** Whether the hub's state holds an oracle committee (its config key has a value). */
async function hubHasCommittee(): Promise<boolean> {
  const key = Buffer.from(oracleConfigKey()).toString('hex');
  const r = await fetch(`${cfg.hubUrl}/v1/proof/${key}`, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`GET /v1/proof/${key}: HTTP ${r.status}`);
  return ((await r.json()) as { value: string | null }).value !== null;
}

async function configureCommittee(): Promise<void> {
  if (await hubHasCommittee()) return;
  const authority = new HubTxSender(cfg.hubUrl, cfg.authorityKey, cfg.authorityAddress, cfg.chainId);
  const bytes = (h: Hex) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'));
  const c = cfg.committee;
  await authority.send([
    updateOracleConfigAny({
      authority: cfg.authorityAddress,
      config: {
        signers: cfg.signerKeys.map((k) => bytes(evmAddressOf(bytes(k)))),
        minObservations: c.minObservations,
        superMajority: c.superMajority,
        windowMs: BigInt(c.windowMs),
        maxJumpPpm: BigInt(c.maxJumpPpm),
        staleWithdrawalsMs: BigInt(c.staleWithdrawalsMs),
        staleLiquidationsMs: BigInt(c.staleLiquidationsMs),
        liquidationGraceMs: BigInt(c.liquidationGraceMs),
      },
    }),
  ]);
}

async function tick(): Promise<void> {
  const nowMs = Date.now();
  const prices = round === 0 ? pricePath.current() : pricePath.step(cfg.intervalMs);
  // Every round is slow until the hub has accepted a slow one: the hub's margin snapshot needs
  // USDC/USD, the rates and the smiles from its first price on.
  const slow = !slowAccepted || round % 10 === 0;
  const feeds = feedValues(cfg.underlyings, prices, Math.floor(nowMs / 1000), slow, 0.05, settlements);
  const observations: Observation[] = [];
  // Each signer observes with its own small error (a few basis points): the hub takes the median.
  for (let k = 0; k < cfg.signerKeys.length; k++) {
    const skew = 1 + (k - (cfg.signerKeys.length - 1) / 2) * 0.0002;
    for (const f of feeds) {
      const exact = f.feed.includes(':rate:') || f.feed.includes(':svi.') || f.feed === 'USDC/USD';
      observations.push(
        signObservation(
          cfg.signerKeys[k]!,
          cfg.chainId,
          f.feed,
          toE18(exact ? f.value : f.value * skew),
          CONFIDENCE,
          BigInt(nowMs),
        ),
      );
    }
  }
  let txHash: string | null = null;
  try {
    const r = await submitter.send(
      [
        oracleUpdateAny({
          submitter: cfg.submitterAddress,
          observations: observations.map((o) => ({
            feed: o.feed,
            value: o.valueE18.toString(),
            confidence: o.confidenceE18.toString(),
            timestampMs: o.timestampMs,
            signature: Uint8Array.from(Buffer.from(o.signature.slice(2), 'hex')),
          })),
        }),
      ],
      { wait: false, gasLimit: 5_000_000n },
    );
    txHash = r.hash;
    submitted++;
    if (slow) slowAccepted = true;
    lastError = null;
  } catch (e) {
    lastError = (e as Error).message;
    submitter.reset();
    log('warn', 'MsgOracleUpdate not accepted; will retry next round', { err: lastError });
  }
  latest = {
    round,
    time_ms: nowMs,
    chain_id: cfg.chainId,
    prices: Object.fromEntries(prices),
    tx_hash: txHash,
    observations: observations.map(json),
  };
  if (existsSync(journal) && statSync(journal).size > 8 * 1024 * 1024) renameSync(journal, `${journal}.1`);
  appendFileSync(journal, `${JSON.stringify(latest)}\n`);
  writeFileSync(`${latestPath}.tmp`, JSON.stringify(latest));
  renameSync(`${latestPath}.tmp`, latestPath);
  round++;
}

const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.method === 'GET' && req.url === '/latest') return void res.end(JSON.stringify(latest));
  if (req.method === 'GET' && req.url === '/status') {
    return void res.end(
      JSON.stringify({
        pid: process.pid,
        round,
        submitted,
        last_error: lastError,
        prices: Object.fromEntries(pricePath.current()),
      }),
    );
  }
  if (req.method === 'POST' && req.url === '/shock') {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      try {
        const { symbol, factor } = JSON.parse(body) as { symbol: string; factor: number };
        pricePath.shock(symbol, factor);
        res.end(JSON.stringify({ ok: true, symbol, factor }));
      } catch (e) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { code: 'BAD_REQUEST', message: (e as Error).message } }));
      }
    });
    return;
  }
  res.statusCode = 404;
  res.end('{"error":{"code":"NOT_FOUND","message":"try GET /latest, GET /status, POST /shock"}}');
});

let running = true;
async function loop(): Promise<void> {
  // The hub may still be starting: retry the committee setup until it answers.
  for (; cfg.configureCommittee === true; ) {
    try {
      await configureCommittee();
      log('info', 'oracle committee in place', { signers: cfg.signerKeys.length });
      break;
    } catch (e) {
      lastError = (e as Error).message;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  while (running) {
    const t = Date.now();
    await tick();
    await new Promise((r) => setTimeout(r, Math.max(0, cfg.intervalMs - (Date.now() - t))));
  }
}

server.listen(cfg.port, '127.0.0.1', () => {
  void loop();
});
const shutdown = () => {
  running = false;
  server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
setInterval(() => {
  try {
    process.kill(cfg.parentPid, 0);
  } catch {
    shutdown();
  }
}, 1000).unref();

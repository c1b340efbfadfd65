/**
 * What every scenario uses: the context a scenario runs in (narrative, violations, latency series),
 * the acceptance bounds, and read-only views of the hub and the chains — an account's margin
 * (`GET /v1/accounts/:address/margin`), the unified-margin conservation lines
 * (`GET /v1/margin/conservation`) checked against each vault's on-chain `balanceOf`, the insurance
 * fund per chain and token.
 */
import type { Address } from 'viem';
import { mockERC20Abi } from '../contracts-abi/index.ts';
import { createEvmClients } from './evm/clients.ts';
import { devnetKey } from './keys.ts';
import type { WorldFile } from './up.ts';

/** Acceptance bounds (issue 6): deposit → provisional ≤ 3 s p95, → final ≤ 15 s, RELEASE → ACK ≤ 10 s. */
export const LATENCY_BOUNDS_MS = { provisional: 3000, final: 15_000, releaseAck: 10_000 } as const;

/** The context a scenario's `run` gets. */
export interface ScenarioContext {
  readonly w: WorldFile;
  readonly home: string | undefined;
  /** Repetitions where a scenario makes several (deposits per chain). */
  readonly rounds: number;
  /** Scenario options from the command line (`--chain`, `--key-index`, …), as given. */
  readonly options: Readonly<Record<string, string>>;
  /** Adds a narrative line (printed). */
  say(line: string): void;
  /** Records a violation: the scenario fails (exit 1). */
  violation(what: string): void;
  /** Records a latency series against its p95 bound (a violation when above). */
  latency(name: string, samplesMs: readonly number[], boundMs: number): void;
  /** Records a latency series without a bound (reported only). */
  measure(name: string, samplesMs: readonly number[]): void;
}

/** p-quantile (nearest rank) of a sample. */
export function quantile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

/** Seconds with two decimals, or `never`. */
export const fmtMs = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? 'never' : `${(ms / 1000).toFixed(2)}s`;

/** µUSD (decimal string or bigint) as `$1,234.56`. */
export function fmtUsd(micro: bigint | string): string {
  const v = typeof micro === 'string' ? BigInt(micro) : micro;
  const neg = v < 0n;
  const a = neg ? -v : v;
  const cents = (a + 5_000n) / 10_000n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}$${whole}.${(cents % 100n).toString().padStart(2, '0')}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T>(url: string): Promise<{ status: number; body: T | undefined }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = (await r.json().catch(() => undefined)) as T | undefined;
  return { status: r.status, body };
}

/** The part of `GET /v1/accounts/:address/margin` the scenarios read (µUSD decimal strings). */
export interface AccountMarginView {
  readonly height: bigint;
  /** `ok`, or why the margin is unknown (no snapshot, missing feed). */
  readonly status: string;
  readonly equity: bigint;
  readonly im: bigint;
  readonly mm: bigint;
  /** IM + reserved allowance not yet used by positions. */
  readonly imEffective: bigint;
  readonly liquidatable: boolean;
  /** `all` (the requirement with provisional items binds) or `final`. */
  readonly binding: string;
  readonly balances: readonly { domain: number; symbol: string; stage: string; amount: string }[];
}

/**
 * An account's margin from the hub. Throws when the hub does not serve the route (an older hub) or
 * the margin is unknown, naming why.
 */
export async function accountMargin(w: WorldFile, address: string): Promise<AccountMarginView> {
  const { status, body } = await getJson<Record<string, unknown>>(
    `${w.hub.url}/v1/accounts/${address}/margin`,
  );
  if (status !== 200 || body === undefined)
    throw new Error(
      `GET /v1/accounts/${address}/margin answered ${status}: ${JSON.stringify(body).slice(0, 200)}`,
    );
  const big = (k: string) => BigInt((body[k] as string | null | undefined) ?? '0');
  return {
    height: big('height'),
    status: String(body.status),
    equity: big('equity'),
    im: big('im'),
    mm: big('mm'),
    imEffective: big('im_effective'),
    liquidatable: body.liquidatable === true,
    binding: String(body.binding ?? ''),
    balances: (body.balances as AccountMarginView['balances'] | undefined) ?? [],
  };
}

/** One (chain, token) line of the conservation check. */
export interface ConservationLine {
  readonly chain: string;
  readonly domain: number;
  readonly token: string;
  /** Σ hub balances of every holder and stage (atomic units). */
  readonly hubTotal: bigint;
  /** The insurance fund's balance there. */
  readonly insurance: bigint;
  /** Releases dispatched and not yet acknowledged final. */
  readonly inFlight: bigint;
  /**
   * Σ balances + in flight − (final inflow + provisional inflow − outflow): 0 when every unit the
   * hub records is accounted for.
   */
  readonly imbalance: bigint;
  /** What the vault must hold at least: final inflow − outflow − in flight (the hub's view). */
  readonly hubView: bigint;
  /** The vault's `balanceOf` on its chain. */
  readonly vaultBalance: bigint;
  /** vault − hub view ≥ 0: unattributed surplus (deposits not yet final, gains not yet final, direct transfers). */
  readonly unattributed: bigint;
  /** `margin` (the hub's flow records) or `totals` (Σ balances only, on a hub without margin routes). */
  readonly source: 'margin' | 'totals';
  readonly ok: boolean;
}

async function vaultBalance(c: WorldFile['chains'][number], token: Address): Promise<bigint> {
  const clients = createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: devnetKey(0) });
  return await clients.publicClient.readContract({
    address: token,
    abi: mockERC20Abi,
    functionName: 'balanceOf',
    args: [c.deployment.app.vault],
  });
}

/**
 * The conservation invariant (DESIGN "Liquidation"): for each (domain, token), Σ balances +
 * in-flight settlements + insurance fund = deposits − releases (the hub's flow records: imbalance
 * 0), and that view (final inflow − outflow − in flight) ≤ the vault's on-chain balance, the
 * surplus reported as unattributed. On a hub without `/v1/margin/conservation` it falls back to
 * Σ hub balances ≤ vault balance.
 */
export async function checkConservation(w: WorldFile): Promise<ConservationLine[]> {
  const { status, body } = await getJson<{
    lines: {
      domain: number;
      token: string;
      balances: string;
      insurance: string;
      in_flight: string;
      imbalance: string;
      vault_view: string;
    }[];
  }>(`${w.hub.url}/v1/margin/conservation`);
  const hasMargin = status === 200 && body !== undefined;
  const totals = hasMargin
    ? undefined
    : ((
        await getJson<{ collateral_totals: { domain: number; token: string; amount: string }[] }>(
          `${w.hub.url}/dashboard/api/overview`,
        )
      ).body?.collateral_totals ?? []);
  const out: ConservationLine[] = [];
  for (const c of w.chains) {
    for (const [symbol, token] of Object.entries(c.deployment.app.tokens)) {
      const vb = await vaultBalance(c, token);
      const same = (d: number, t: string) => d === c.domain && t.toLowerCase() === token.toLowerCase();
      if (hasMargin) {
        const l = body!.lines.find((x) => same(x.domain, x.token));
        const hubTotal = BigInt(l?.balances ?? '0');
        const inFlight = BigInt(l?.in_flight ?? '0');
        const imbalance = BigInt(l?.imbalance ?? '0');
        const hubView = BigInt(l?.vault_view ?? '0') - inFlight;
        out.push({
          chain: c.name,
          domain: c.domain,
          token: symbol,
          hubTotal,
          insurance: BigInt(l?.insurance ?? '0'),
          inFlight,
          imbalance,
          hubView,
          vaultBalance: vb,
          unattributed: vb - hubView,
          source: 'margin',
          ok: imbalance === 0n && hubView <= vb,
        });
      } else {
        const hubTotal = totals!
          .filter((t) => same(t.domain, t.token))
          .reduce((s, t) => s + BigInt(t.amount), 0n);
        out.push({
          chain: c.name,
          domain: c.domain,
          token: symbol,
          hubTotal,
          insurance: 0n,
          inFlight: 0n,
          imbalance: 0n,
          hubView: hubTotal,
          vaultBalance: vb,
          unattributed: vb - hubTotal,
          source: 'totals',
          ok: hubTotal <= vb,
        });
      }
    }
  }
  return out;
}

/** The insurance fund's final balance on (chain, token symbol), atomic units (0 without margin routes). */
export async function insuranceFund(w: WorldFile, chain: string, symbol: string): Promise<bigint> {
  const c = w.chains.find((x) => x.name === chain);
  const { body } = await getJson<{
    domains: { domain: number; tokens: { symbol: string; insurance_fund: string }[] }[];
  }>(`${w.hub.url}/v1/margin/domains`);
  const d = body?.domains.find((x) => x.domain === c?.domain);
  return BigInt(d?.tokens.find((t) => t.symbol === symbol)?.insurance_fund ?? '0');
}

/** A domain's halt and breaker state (`GET /v1/margin/domains`), or undefined. */
export async function domainStatus(
  w: WorldFile,
  domain: number,
): Promise<
  | { halted: boolean; halted_by_stall: boolean; breaker_active: boolean; pending_provisional: number }
  | undefined
> {
  const { body } = await getJson<{
    domains: {
      domain: number;
      halted: boolean;
      halted_by_stall: boolean;
      breaker_active: boolean;
      pending_provisional: number;
    }[];
  }>(`${w.hub.url}/v1/margin/domains`);
  return body?.domains.find((x) => x.domain === domain);
}

/** The newest liquidation records of an account (`GET /v1/margin/liquidations`), newest first. */
export async function liquidationsOf(
  w: WorldFile,
  address: string,
): Promise<
  {
    height: string;
    method: string;
    equity: string;
    mm: string;
    closed_notional: string;
    penalty: string;
    closes: string[];
  }[]
> {
  const { body } = await getJson<{
    liquidations: {
      account: string;
      height: string;
      method: string;
      equity: string;
      mm: string;
      closed_notional: string;
      penalty: string;
      closes: string[];
    }[];
  }>(`${w.hub.url}/v1/margin/liquidations?limit=50`);
  return (body?.liquidations ?? []).filter((l) => l.account === address);
}

/**
 * The devnet hub genesis' margin and oracle sections, built from a named fixture deployment of the
 * three world chains: the chain's own genesis parser accepts them; every chain's ETH-PERP is one
 * kernel instrument and equal options on different chains are one too; each listing carries its
 * chain's USDC, market and the instrument id the contracts derive (the ASCII name right-padded,
 * recomputed here by hand); the halt delay comes from the world; the committee's signers are the
 * oracle keys as viem's `mnemonicToAccount` derives them; the option expiry is 08:00 UTC, 30 days on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGenesis } from '../../../chain/genesis.ts';
import { marginConfigFromJson } from '../../../chain/margin/config.ts';
import { type ChainDeployment, optionExpirySec, type WorldDeployment } from '../../../devnet/deploy.ts';
import {
  kernelInstrumentId,
  marginGenesisSection,
  marginListings,
  oracleGenesisSection,
  writeHubHome,
} from '../../../devnet/hubGenesis.ts';
import { DEVNET_MNEMONIC } from '../../../devnet/keys.ts';
import { DEVNET_WORLD } from '../../../devnet/world.ts';

const EXPIRY = 1_800_000_000 + 8 * 3600;
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;
// The contracts' instrument id: the ASCII name right-padded with zero bytes to 32 (by hand).
const idOf = (name: string) => `0x${Buffer.from(name, 'ascii').toString('hex').padEnd(64, '0')}` as Hex;

function chainFixture(c: number): ChainDeployment {
  const w = DEVNET_WORLD.chains[c]!;
  const base = 0x1000 * (c + 1);
  const perp = addr(base + 10);
  const opt = addr(base + 11);
  return {
    name: w.name,
    chainId: w.chainId,
    domain: w.domain,
    core: {
      mailbox: addr(base + 1),
      merkleTreeHook: addr(base + 2),
      requiredHook: addr(base + 3),
      validatorAnnounce: addr(base + 4),
      defaultIsm: addr(base + 5),
      messageIdMultisigIsmFactory: addr(base + 6),
      merkleRootMultisigIsmFactory: addr(base + 7),
      deployedAtBlock: 1,
    },
    app: {
      hubIsm: addr(base + 8),
      vault: addr(base + 9),
      adapter: addr(base + 12),
      perpMarket: perp,
      optionMarket: opt,
      tokens: { USDC: addr(base + 20), WETH: addr(base + 21), WBTC: addr(base + 22) },
      tokenDecimals: { USDC: 6, WETH: 18, WBTC: 8 },
      settlementToken: 'USDC',
      instruments: {
        'ETH-PERP': { id: idOf('ETH-PERP'), market: perp, kind: 'perp', underlying: 'ETH' },
        'BTC-PERP': { id: idOf('BTC-PERP'), market: perp, kind: 'perp', underlying: 'BTC' },
        'ETH-C-3500-30D': {
          id: idOf('ETH-C-3500-30D'),
          market: opt,
          kind: 'option',
          underlying: 'ETH',
          strikeUsd: 3500,
          expirySec: EXPIRY,
          isCall: true,
        },
        'ETH-P-2500-30D': {
          id: idOf('ETH-P-2500-30D'),
          market: opt,
          kind: 'option',
          underlying: 'ETH',
          strikeUsd: 2500,
          expirySec: EXPIRY,
          isCall: false,
        },
      },
    },
    fastValidators: [0, 1, 2].map((j) => addr(base + 100 + j)),
    finalValidators: [0, 1, 2].map((j) => addr(base + 200 + j)),
  };
}

const deployment: WorldDeployment = {
  format: 2,
  cacheKey: 'fixture',
  createdAtMs: 0,
  hubValidators: [addr(1), addr(2), addr(3)],
  hubSender: `0x${'00'.repeat(32)}`,
  chains: DEVNET_WORLD.chains.map((_, c) => chainFixture(c)),
};

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('devnet margin genesis section', () => {
  const config = marginConfigFromJson(marginGenesisSection(DEVNET_WORLD, deployment));

  it('lists every instrument of every chain with its chain’s USDC, market and id', () => {
    expect(config.instruments).toHaveLength(12);
    for (const d of deployment.chains) {
      for (const [name, i] of Object.entries(d.app.instruments)) {
        const l = config.instruments.find((x) => x.domain === d.domain && x.instrumentId === idOf(name));
        expect(l, `${d.name} ${name}`).toBeDefined();
        expect(l!.settlementToken, `${d.name} ${name}`).toBe(d.app.tokens.USDC!.toLowerCase());
        expect(l!.market, `${d.name} ${name}`).toBe(i.market.toLowerCase());
        expect(l!.instrument.kind, `${d.name} ${name}`).toBe(i.kind);
      }
    }
  });

  it('shares one kernel perp per underlying and one kernel option per (expiry, strike, type) across chains', () => {
    const kernelIds = (name: string) =>
      new Set(config.instruments.filter((l) => l.instrumentId === idOf(name)).map((l) => l.instrument.id));
    expect([...kernelIds('ETH-PERP')]).toEqual(['ETH-PERP']);
    expect([...kernelIds('BTC-PERP')]).toEqual(['BTC-PERP']);
    expect([...kernelIds('ETH-C-3500-30D')]).toEqual([`ETH-${EXPIRY}-3500-C`]);
    expect([...kernelIds('ETH-P-2500-30D')]).toEqual([`ETH-${EXPIRY}-2500-P`]);
    const call = config.instruments.find((l) => l.instrument.id === `ETH-${EXPIRY}-3500-C`)!.instrument;
    expect(call).toEqual({
      id: `ETH-${EXPIRY}-3500-C`,
      kind: 'option',
      underlying: 'ETH',
      expirySec: EXPIRY,
      strikeE18: 3500n * 10n ** 18n,
      isCall: true,
    });
    expect(kernelInstrumentId('X-PERP', { kind: 'perp', underlying: 'X' })).toBe('X-PERP');
  });

  it('takes each domain’s halt delay from the world (below its provisional timeout)', () => {
    for (const c of DEVNET_WORLD.chains) {
      const d = config.domains.find((x) => x.domain === c.domain)!;
      expect(d.haltAfterMs, c.name).toBe(BigInt(c.haltAfterMs));
      expect(c.haltAfterMs, c.name).toBeLessThan(c.timeoutMs);
      expect(c.timeoutMs, c.name).toBeGreaterThanOrEqual(2 * c.expectedFinalityMs);
    }
  });

  it('marginListings is what the section lists', () => {
    expect(marginListings(deployment).map((l) => `${l.domain}/${l.instrumentId}/${l.id}`)).toEqual(
      config.instruments.map((l) => `${l.domain}/${l.instrumentId}/${l.instrument.id}`),
    );
  });
});

describe('devnet oracle genesis section', () => {
  it('names the oracle keys (300 + k) and the world’s committee rules', () => {
    const o = oracleGenesisSection(DEVNET_WORLD);
    expect(o.signers).toEqual(
      Array.from({ length: 5 }, (_, k) =>
        mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: 300 + k }).address.toLowerCase(),
      ),
    );
    expect(o).toMatchObject({
      min_observations: 3,
      super_majority: 4,
      window_ms: '10000',
      max_jump_ppm: '100000',
      stale_withdrawals_ms: '60000',
      stale_liquidations_ms: '300000',
      liquidation_grace_ms: '120000',
    });
  });
});

describe('devnet hub home', () => {
  it('writes a genesis with bridge, margin and oracle sections that the chain parses', () => {
    const home = mkdtempSync(join(tmpdir(), 'umg-devnet-genesis-'));
    homes.push(home);
    writeHubHome(home, DEVNET_WORLD, deployment);
    const json = JSON.parse(readFileSync(join(home, 'config', 'genesis.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['bridge', 'margin', 'oracle']));
    const g = parseGenesis(json);
    expect(g.oracle?.minObservations).toBe(3);
    expect(g.bridge?.origins.map((o) => o.domain)).toEqual(DEVNET_WORLD.chains.map((c) => c.domain));
  });
});

describe('option expiry', () => {
  it('is 08:00 UTC of the day 30 days after deployment', () => {
    for (const iso of ['2026-11-25T15:43:00Z', '2026-12-31T23:59:59Z', '2027-02-28T00:00:01Z']) {
      const now = Date.parse(iso);
      const e = new Date(optionExpirySec(now) * 1000);
      const later = new Date(now + 30 * 86_400_000);
      expect(e.getUTCHours(), iso).toBe(8);
      expect(e.getUTCMinutes(), iso).toBe(0);
      expect(e.toISOString().slice(0, 10), iso).toBe(later.toISOString().slice(0, 10));
    }
  });
});

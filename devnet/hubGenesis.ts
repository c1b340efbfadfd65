/**
 * The hub's devnet home: `unimargin init`'s genesis (the first ten keys of the test mnemonic,
 * authority = key 0) plus
 * - the `bridge` section that `chain/hyperlane` reads — one origin per EVM chain with its fast and
 *   final MessageId multisig ISMs (disjoint validator sets), its MerkleTreeHook, its enrolled vault
 *   and adapter, finality timings and the token registry;
 * - the `margin` section (`chain/margin`): `devnetMarginConfig` over the deployed listings — each
 *   chain's ETH-PERP and BTC-PERP are one kernel instrument per underlying (positions on different
 *   chains net), the sample options one kernel instrument per (underlying, strike, expiry, type),
 *   settled in that chain's USDC and paid to its market — with the world's per-domain halt delay;
 * - the `oracle` section: the feeder's committee and rules, so prices count from the first block
 *   (no MsgUpdateOracleConfig, which governance now timelocks).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OracleConfigJson, parseGenesis } from '../chain/genesis.ts';
import { type BridgeConfigJson, bridgeConfigFromJson } from '../chain/hyperlane/config.ts';
import { HUB_DOMAIN } from '../chain/hyperlane/constants.ts';
import { marginConfigToJson } from '../chain/margin/config.ts';
import { devnetMarginConfig, type ListingSpec } from '../chain/margin/defaults.ts';
import { homePaths, initHome } from '../chain/node/home.ts';
import type { WorldDeployment } from './deploy.ts';
import { devnetAddress, KEY_INDEX } from './keys.ts';
import type { World } from './world.ts';

const E18 = 10n ** 18n;

/**
 * The kernel id of a listed instrument: perps by name (`ETH-PERP`, shared by every chain), options
 * by underlying, expiry, strike and type (`ETH-1767945600-3500-C`), so equal listings on several
 * chains are one kernel instrument.
 */
export function kernelInstrumentId(
  name: string,
  i: {
    kind: 'perp' | 'option';
    underlying: string;
    strikeUsd?: number;
    expirySec?: number;
    isCall?: boolean;
  },
): string {
  if (i.kind === 'perp') return name;
  return `${i.underlying}-${i.expirySec}-${i.strikeUsd}-${i.isCall ? 'C' : 'P'}`;
}

/** The margin listings of a deployment: every instrument of every chain (see {@link kernelInstrumentId}). */
export function marginListings(deployment: WorldDeployment): ListingSpec[] {
  const out: ListingSpec[] = [];
  for (const c of deployment.chains) {
    const settlementToken = (c.app.tokens[c.app.settlementToken] ?? '').toLowerCase();
    for (const [name, i] of Object.entries(c.app.instruments)) {
      const base = {
        domain: c.domain,
        instrumentId: i.id.toLowerCase(),
        id: kernelInstrumentId(name, i),
        underlying: i.underlying,
        settlementToken,
        market: i.market.toLowerCase(),
      };
      out.push(
        i.kind === 'perp'
          ? { ...base, kind: 'perp' }
          : {
              ...base,
              kind: 'option',
              expirySec: i.expirySec ?? 0,
              strikeE18: BigInt(i.strikeUsd ?? 0) * E18,
              isCall: i.isCall ?? true,
            },
      );
    }
  }
  return out;
}

/**
 * The genesis `margin` section: `devnetMarginConfig` over {@link marginListings}, each domain's
 * `haltAfterMs` from the world (the chain module's default, 60 s, is not below the devnet's
 * provisional timeout, so a stalled chain would never halt itself there).
 */
export function marginGenesisSection(world: World, deployment: WorldDeployment): Record<string, unknown> {
  const bridge = bridgeConfigFromJson(bridgeGenesisSection(world, deployment));
  const base = devnetMarginConfig(bridge, marginListings(deployment));
  const config = {
    ...base,
    domains: base.domains.map((d) => {
      const name = deployment.chains.find((c) => c.domain === d.domain)?.name;
      const chain = world.chains.find((c) => c.name === name);
      return chain === undefined ? d : { ...d, haltAfterMs: BigInt(chain.haltAfterMs) };
    }),
  };
  return marginConfigToJson(config);
}

/** The genesis `oracle` section: the feeder's signers (keys 300 + k) and the world's committee rules. */
export function oracleGenesisSection(world: World): OracleConfigJson {
  const c = world.oracle.committee;
  return {
    signers: Array.from({ length: world.oracle.signers }, (_, k) =>
      devnetAddress(KEY_INDEX.oracleSigner(k)).toLowerCase(),
    ),
    min_observations: c.minObservations,
    super_majority: c.superMajority,
    window_ms: String(c.windowMs),
    max_jump_ppm: String(c.maxJumpPpm),
    stale_withdrawals_ms: String(c.staleWithdrawalsMs),
    stale_liquidations_ms: String(c.staleLiquidationsMs),
    liquidation_grace_ms: String(c.liquidationGraceMs),
  };
}

/** The genesis `bridge` section for a deployed world. */
export function bridgeGenesisSection(world: World, deployment: WorldDeployment): BridgeConfigJson {
  return {
    hub_domain: HUB_DOMAIN,
    origins: deployment.chains.map((d) => {
      const chain = world.chains.find((c) => c.name === d.name);
      if (chain === undefined) throw new Error(`deployment names chain ${d.name}, absent from the world`);
      return {
        domain: d.domain,
        name: d.name,
        fast_ism: {
          type: 'message_id_multisig' as const,
          validators: d.fastValidators.map((a) => a.toLowerCase()),
          threshold: chain.fast.threshold,
        },
        final_ism: {
          type: 'message_id_multisig' as const,
          validators: d.finalValidators.map((a) => a.toLowerCase()),
          threshold: chain.final.threshold,
        },
        merkle_tree_hook: d.core.merkleTreeHook.toLowerCase(),
        vault: d.app.vault.toLowerCase(),
        adapter: d.app.adapter.toLowerCase(),
        expected_finality_ms: String(chain.expectedFinalityMs),
        timeout_ms: String(chain.timeoutMs),
        tokens: world.tokens.map((t) => ({
          token: (d.app.tokens[t.symbol] ?? '').toLowerCase(),
          decimals: t.decimals,
          symbol: t.symbol,
        })),
      };
    }),
  };
}

/**
 * Writes a fresh hub home at `hubHome` (overwriting any genesis there): the devnet genesis with the
 * bridge, margin and oracle sections, validated by the chain's own genesis parser before it is
 * written.
 */
export function writeHubHome(hubHome: string, world: World, deployment: WorldDeployment): void {
  const { paths } = initHome({ home: hubHome, overwrite: true });
  const json = JSON.parse(readFileSync(paths.genesis, 'utf8')) as Record<string, unknown>;
  json.bridge = bridgeGenesisSection(world, deployment);
  json.margin = marginGenesisSection(world, deployment);
  json.oracle = oracleGenesisSection(world);
  parseGenesis(json);
  writeFileSync(paths.genesis, `${JSON.stringify(json, null, 2)}\n`);
}

/**
 * Makes `hubHome` a fresh copy of a hub home template (genesis with the bridge section and the
 * sequencer key; see `ensureDeployment`), with the genesis time set to now — instead of deriving
 * the genesis accounts again (≈ 1 s). Homes made from one template share its devnet sequencer key.
 */
export function copyHubTemplate(template: string, hubHome: string, genesisTimeMs: number): void {
  rmSync(hubHome, { recursive: true, force: true });
  mkdirSync(join(hubHome, 'config'), { recursive: true });
  const from = homePaths(template);
  const to = homePaths(hubHome);
  copyFileSync(from.sequencerKey, to.sequencerKey);
  const json = JSON.parse(readFileSync(from.genesis, 'utf8')) as Record<string, unknown>;
  json.genesis_time_ms = String(genesisTimeMs);
  writeFileSync(to.genesis, `${JSON.stringify(json, null, 2)}\n`);
}

/** Path of the hub's genesis file in a hub home. */
export function hubGenesisPath(hubHome: string): string {
  return homePaths(hubHome).genesis;
}

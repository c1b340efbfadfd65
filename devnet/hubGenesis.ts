/**
 * The hub's devnet home: `unimargin init`'s genesis (the first ten keys of the test mnemonic,
 * authority = key 0) plus the `bridge` section that `chain/hyperlane` reads — one origin per EVM
 * chain with its fast and final MessageId multisig ISMs (disjoint validator sets), its
 * MerkleTreeHook, its enrolled vault and adapter, finality timings and the token registry.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGenesis } from '../chain/genesis.ts';
import type { BridgeConfigJson } from '../chain/hyperlane/config.ts';
import { HUB_DOMAIN } from '../chain/hyperlane/constants.ts';
import { homePaths, initHome } from '../chain/node/home.ts';
import type { WorldDeployment } from './deploy.ts';
import type { World } from './world.ts';

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
 * bridge section, validated by the chain's own genesis parser before it is written.
 */
export function writeHubHome(hubHome: string, world: World, deployment: WorldDeployment): void {
  const { paths } = initHome({ home: hubHome, overwrite: true });
  const json = JSON.parse(readFileSync(paths.genesis, 'utf8')) as Record<string, unknown>;
  json.bridge = bridgeGenesisSection(world, deployment);
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

/**
 * One call from nothing to a usable EVM chain: start anvil (tracked PID), deploy Hyperlane core and
 * our contracts. What the devnet runs once per chain and what e2e tests can reuse.
 */
import type { Address, Hex } from 'viem';
import { type AnvilChain, type AnvilOpts, startAnvil } from './anvil.ts';
import { createEvmClients, type EvmClients } from './clients.ts';
import {
  deployHyperlaneCore,
  type HyperlaneCoreAddresses,
  type MultisigIsmConfig,
} from './deployHyperlane.ts';
import {
  type DeployUnimarginOpts,
  deployUnimarginContracts,
  type UnimarginEvmAddresses,
} from './deployUnimargin.ts';

/** Options of {@link startEvmChain}. */
export type StartEvmChainOpts = {
  /** anvil options (chain id, port, `slotsInAnEpoch`, block time, state files…). */
  anvil: AnvilOpts;
  /** Hyperlane domain id of the chain. */
  domain: number;
  /** Deployer key (owner of everything unless `owner` is given), e.g. anvil key #0. */
  deployerKey: Hex;
  /** Owner of core and our contracts; default the deployer. */
  owner?: Address;
  /** The mailbox's default ISM; default: the hub's MessageId ISM config below. */
  defaultIsm?: Address | MultisigIsmConfig;
  /** Hub identity and validator set, and optional tokens / instruments (see `DeployUnimarginOpts`). */
  hub: Omit<DeployUnimarginOpts, 'core' | 'owner'>;
};

/** A started and deployed chain. */
export type EvmChainDeployment = {
  anvil: AnvilChain;
  clients: EvmClients;
  core: HyperlaneCoreAddresses;
  app: UnimarginEvmAddresses;
};

/**
 * Starts anvil and deploys core (+ our contracts). If a deployment step fails the anvil it started is
 * stopped (by its PID) before the error propagates.
 */
export async function startEvmChain(opts: StartEvmChainOpts): Promise<EvmChainDeployment> {
  const anvil = await startAnvil(opts.anvil);
  try {
    const clients = createEvmClients({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      privateKey: opts.deployerKey,
    });
    const core = await deployHyperlaneCore(clients, {
      localDomain: opts.domain,
      ...(opts.owner === undefined ? {} : { owner: opts.owner }),
      defaultIsm: opts.defaultIsm ?? {
        type: 'messageId',
        validators: opts.hub.hubValidators,
        threshold: opts.hub.hubThreshold,
      },
    });
    const app = await deployUnimarginContracts(clients, {
      ...opts.hub,
      core,
      ...(opts.owner === undefined ? {} : { owner: opts.owner }),
    });
    return { anvil, clients, core, app };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/**
 * Shared set-up for the EVM e2e files: one anvil, Hyperlane core, our contracts with a 2-of-3 hub ISM,
 * a simulated hub outbox, and helpers to read what the contracts dispatched.
 */
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import {
  type AppPayload,
  decodeAppPayload,
  decodeMessage,
  type HyperlaneMessage,
} from '../../../bridge/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  type HyperlaneCoreAddresses,
  mailboxAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
import { deployUnimarginContracts, type UnimarginEvmAddresses } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS, startTestChains, type TestChain } from '../../helpers/anvil.ts';
import { HUB_THRESHOLD, HUB_VALIDATORS, HubSim, TEST_HUB_SENDER } from './hubSim.ts';

/** Hyperlane domain of the test chain. */
export const LOCAL_DOMAIN = 31337;

/** Everything an EVM e2e file needs. */
export type EvmWorld = {
  chain: TestChain;
  /** Deployer / owner (anvil key #0). */
  owner: EvmClients;
  /** A user (anvil key #1). */
  user: EvmClients;
  /** A second user (anvil key #2). */
  user2: EvmClients;
  /** A permissionless relayer (anvil key #9). */
  relayer: EvmClients;
  core: HyperlaneCoreAddresses;
  app: UnimarginEvmAddresses;
  hub: HubSim;
};

/** Starts one anvil and deploys core + our contracts on it. */
export async function setUpEvmWorld(): Promise<EvmWorld> {
  const [chain] = await startTestChains(1);
  const c = chain!;
  const mk = (i: number) =>
    createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: ANVIL_KEYS[i]! });
  const owner = mk(0);
  const core = await deployHyperlaneCore(owner, { localDomain: LOCAL_DOMAIN });
  const app = await deployUnimarginContracts(owner, {
    core,
    hubSender: TEST_HUB_SENDER,
    hubValidators: HUB_VALIDATORS,
    hubThreshold: HUB_THRESHOLD,
  });
  const relayer = mk(9);
  return {
    chain: c,
    owner,
    user: mk(1),
    user2: mk(2),
    relayer,
    core,
    app,
    hub: new HubSim(relayer, core.mailbox, LOCAL_DOMAIN),
  };
}

/** A message dispatched in a receipt, decoded by `bridge/` (message codec and strict payload codec). */
export type Dispatched = { message: HyperlaneMessage; payload: AppPayload; raw: Hex };

/** Every Mailbox `Dispatch` in `receipt`, in log order, decoded. */
export function dispatchedIn(receipt: TransactionReceipt): Dispatched[] {
  return parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: 'Dispatch' }).map((l) => {
    const message = decodeMessage(l.args.message);
    return {
      message,
      payload: decodeAppPayload(message.body, { direction: 'inbound' }),
      raw: l.args.message,
    };
  });
}

/** Decodes an ABI-encoded custom error (an ACK detail or revert data) with `abi`: its name and args. */
export function decodeDetail(abi: Abi, data: Hex): { errorName: string; args: readonly unknown[] } {
  const r = decodeErrorResult({ abi, data });
  return { errorName: r.errorName, args: (r.args ?? []) as readonly unknown[] };
}

/** Awaits `p`, expecting a contract revert whose data is one of `abi`'s custom errors: its name and args. */
export async function revertError(
  p: Promise<unknown>,
  abi: Abi,
): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BaseError) {
      const rev = err.walk((e) => e instanceof ContractFunctionRevertedError);
      if (rev instanceof ContractFunctionRevertedError && rev.raw !== undefined)
        return decodeDetail(abi, rev.raw);
    }
    throw err;
  }
  throw new Error('expected a revert, but the call succeeded');
}

/** Awaits `p`, expecting a contract revert; returns the revert's error name decoded with `abi`. */
export async function revertName(p: Promise<unknown>, abi: Abi): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BaseError) {
      const rev = err.walk((e) => e instanceof ContractFunctionRevertedError);
      if (rev instanceof ContractFunctionRevertedError) {
        if (rev.raw !== undefined && rev.raw.length >= 10) {
          try {
            const d = decodeErrorResult({ abi, data: rev.raw });
            // Error(string) from require(): the reason is the useful part
            if (d.errorName === 'Error') return String(d.args?.[0]);
            return d.errorName;
          } catch {
            // not one of abi's errors: fall back to the reason string
          }
        }
        return rev.reason ?? rev.shortMessage;
      }
      return err.shortMessage;
    }
    throw err;
  }
  throw new Error('expected a revert, but the call succeeded');
}

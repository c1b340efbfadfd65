/**
 * The configuration the devnet writes for its agents process (`devnet/proc/agents.ts`): which
 * validators to run (hub validators through their own follower nodes; fast and final validators per
 * EVM chain), the relayer, and where everything lives. JSON on disk under `<home>/agents/`.
 */
import type { Hex } from 'viem';

/** One validator the agents process runs. */
export interface ValidatorSpec {
  /** `hub-0`, `ethdev-fast-1`, `arbdev-final-2`, … */
  readonly name: string;
  /** Chain name of the origin, or `hub`. */
  readonly origin: string;
  readonly tier: 'hub' | 'fast' | 'final';
  readonly privateKey: Hex;
  /** Its own directory: `checkpoints/` (published, `file://` location), `hwm.json`, follower `data/`. */
  readonly dir: string;
  /** Signing depth: blocks behind the tip, or `finalized`. */
  readonly reorgPeriod: number | 'finalized';
  readonly pollMs: number;
}

/** The relayer the agents process runs. */
export interface RelayerSpec {
  /** Signs hub txs (a genesis account) and pays `Mailbox.process` on the EVM chains. */
  readonly privateKey: Hex;
  readonly dataDir: string;
  readonly pollMs: number;
}

/**
 * Chaos for the `chaos` scenario: a second, racing relayer (another key) and random delays before
 * each hub broadcast, so deliveries are duplicated, reordered across lanes and late.
 */
export interface ChaosSpec {
  readonly seed: number;
  readonly maxDelayMs: number;
  /** The racing relayer's key (a genesis account other than the relayer's). */
  readonly racerPrivateKey: Hex;
  readonly racerDataDir: string;
}

/** `<home>/agents/config.json`. */
export interface AgentsConfig {
  /** The devnet home (also the marker on the command line). */
  readonly home: string;
  readonly hubUrl: string;
  /** The hub genesis (followers of hub validators open it). */
  readonly hubGenesisPath: string;
  readonly hubBlockTimeMs: number;
  /** Registry directory (`chains/<name>/metadata.json`, `addresses.json`). */
  readonly registryDir: string;
  /** EVM chain names to serve, in world order. */
  readonly chains: readonly string[];
  /** Pays ValidatorAnnounce txs on the EVM chains. */
  readonly gasPayerKey: Hex;
  readonly validators: readonly ValidatorSpec[];
  readonly relayer?: RelayerSpec;
  readonly chaos?: ChaosSpec;
  /** Port of the status endpoint (`/status`, `/metrics`, `/failures`). */
  readonly statusPort: number;
  /** The supervisor's PID: the agents exit when it is gone. */
  readonly parentPid: number;
  readonly logLevel: string;
}

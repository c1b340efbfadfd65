/**
 * The scenarios by name, with a line each and what each waits on (the help text reads this without
 * loading the scenarios themselves).
 */

/** A scenario's description, and the feature it waits for when it cannot run yet. */
export interface ScenarioInfo {
  readonly describe: string;
  readonly waitsOn?: string;
}

/** Every scenario of `unimargin devnet scenario`. */
export const SCENARIO_INFO: Readonly<Record<string, ScenarioInfo>> = {
  deposits: {
    describe: 'a USDC deposit on every chain, several rounds; latencies deposit → provisional → final',
  },
  halt: { describe: 'one chain stops producing blocks: only its deposits stop; it resumes and catches up' },
  chaos: {
    describe:
      'the relayer duplicates, reorders and delays (a racing second relayer): each message delivered once',
  },
  hedge: {
    describe:
      'deposits on two chains, allowances, a perp long on one and the opposite short on the other: IM with the hedge provisional vs final; withdrawal RELEASE → ACK',
  },
  crash: {
    describe:
      'a leveraged long, a 25 % oracle crash: liquidation (CLOSE_POSITION within its limit, executed and ACKed), loss paid to the market, insurance fund',
  },
  reorg: {
    describe:
      'a provisional deposit reorged out with anvil_reorg: a withdrawal of it refused, the domain halts, the credit expires (halts that chain’s fast validators)',
  },
};

/** Names and one-line descriptions of the scenarios, and what each waits on, if anything. */
export function listScenarios(): { name: string; describe: string; waitsOn?: string }[] {
  return Object.entries(SCENARIO_INFO).map(([name, d]) => ({
    name,
    describe: d.describe,
    ...(d.waitsOn === undefined ? {} : { waitsOn: d.waitsOn }),
  }));
}

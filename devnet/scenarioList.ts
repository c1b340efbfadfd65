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
    describe: 'a cross-chain hedge recognised once final',
    waitsOn: 'issue 5 (allowances, POSITION margin)',
  },
  crash: {
    describe: 'a price crash liquidated and settled on the chains',
    waitsOn: 'issue 5 (liquidation engine, CLOSE_POSITION)',
  },
  reorg: {
    describe: 'a provisional deposit reorged out, expired and reverted',
    waitsOn: 'issue 5 (expiry and revert of provisional credit)',
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

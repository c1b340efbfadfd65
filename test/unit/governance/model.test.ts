/**
 * Model-based check (fast-check): random runs of proposals (timelock and oracle k changes), cancels
 * of random ids and empty blocks, against a second implementation written here as a plain list.
 * After every block the config in effect, the pending ids and every refusal code agree with it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyCancelSecurityChange,
  applyGovernanceEndBlock,
  applyProposeSecurityChange,
  pendingChanges,
  readGovernanceConfig,
} from '../../../chain/governance/index.ts';
import { isChainError } from '../../../chain/index.ts';
import { type OracleConfig, readOracleConfig, writeOracleConfig } from '../../../chain/oracle/index.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';

const AUTH = 'umg1authority';
const oracle = (k: number): OracleConfig => ({
  signers: [1, 2, 3, 4, 5].map((n) => new Uint8Array(20).fill(n)),
  minObservations: k,
  superMajority: 5,
  windowMs: 10_000n,
  maxJumpPpm: 100_000n,
  staleWithdrawalsMs: 60_000n,
  staleLiquidationsMs: 300_000n,
  liquidationGraceMs: 120_000n,
});

type Cmd =
  | { t: 'timelock'; blocks: number }
  | { t: 'k'; k: number }
  | { t: 'cancel'; pick: number }
  | { t: 'skip'; n: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('timelock' as const), blocks: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ t: fc.constant('k' as const), k: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ t: fc.constant('cancel' as const), pick: fc.nat({ max: 40 }) }),
  fc.record({ t: fc.constant('skip' as const), n: fc.integer({ min: 1, max: 8 }) }),
);

interface ModelChange {
  id: number;
  kind: 'timelock' | 'k';
  value: number;
  act: number;
  state: 'pending' | 'activated' | 'cancelled';
}

describe('governance against a list model', () => {
  it('agrees on configs in effect, pending ids and refusals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 30 }), async (cmds) => {
        const view = (await HubStore.open(new MemoryKv())).view();
        writeOracleConfig(view, oracle(2));
        const model = { timelock: 10, k: 2, changes: [] as ModelChange[] };
        let height = 1;
        const ctx = () => ({
          chainId: 'c',
          height: BigInt(height),
          timeMs: 0n,
          authority: AUTH,
          signer: new Uint8Array(20),
        });
        const endBlock = () => {
          applyGovernanceEndBlock(view, { height: BigInt(height), timeMs: 0n, events: [] });
          const due = model.changes.filter((c) => c.state === 'pending' && c.act <= height);
          due.sort((a, b) => a.id - b.id);
          for (const c of due) {
            c.state = 'activated';
            if (c.kind === 'timelock') model.timelock = c.value;
            else model.k = c.value;
          }
          height++;
          expect(readGovernanceConfig(view).paramsTimelockBlocks).toBe(BigInt(model.timelock));
          expect(readOracleConfig(view)!.minObservations).toBe(model.k);
          expect(pendingChanges(view).map((p) => Number(p.id))).toEqual(
            model.changes.filter((c) => c.state === 'pending').map((c) => c.id),
          );
        };
        for (const c of cmds) {
          if (c.t === 'skip') {
            for (let i = 0; i < c.n; i++) endBlock();
            continue;
          }
          if (c.t === 'cancel') {
            const id = model.changes.length === 0 ? c.pick % 3 : c.pick % (model.changes.length + 2);
            const m = model.changes.find((x) => x.id === id);
            const want =
              m === undefined
                ? 'GOV_CHANGE_UNKNOWN'
                : m.state === 'pending'
                  ? 'OK'
                  : m.state === 'cancelled'
                    ? 'GOV_CHANGE_CANCELLED'
                    : 'GOV_CHANGE_ACTIVATED';
            let got = 'OK';
            try {
              applyCancelSecurityChange(view, { authority: AUTH, id: BigInt(id) }, ctx());
            } catch (e) {
              if (!isChainError(e)) throw e;
              got = e.code;
            }
            expect(got, `cancel ${id}`).toBe(want);
            if (m !== undefined && want === 'OK') m.state = 'cancelled';
          } else {
            const r = applyProposeSecurityChange(
              view,
              {
                authority: AUTH,
                bridgeConfig: undefined,
                oracleConfig: c.t === 'k' ? oracle(c.k) : undefined,
                governanceConfig: c.t === 'timelock' ? { paramsTimelockBlocks: BigInt(c.blocks) } : undefined,
              },
              ctx(),
            );
            expect(r.events[0]!.type).toBe('governance.proposed');
            model.changes.push({
              id: model.changes.length + 1,
              kind: c.t,
              value: c.t === 'k' ? c.k : c.blocks,
              act: height + model.timelock,
              state: 'pending',
            });
          }
          endBlock();
        }
        // Drain: everything still pending activates within the longest timelock.
        for (let i = 0; i < 12; i++) endBlock();
        expect(pendingChanges(view)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Block invariants shared by the unified-margin properties (see conservation.test.ts for the
 * statement of each).
 */
import { expect } from 'vitest';
import { bytesToHex } from '../../../bridge/index.ts';
import { PREFIX } from '../../../chain/keys.ts';
import { WITHDRAWAL_STATUS } from '../../../chain/margin/codec.ts';
import { conservation } from '../../../chain/margin/flows.ts';
import {
  type BlockOutcome,
  type BlockSpec,
  canonical,
  changesText,
  Driver,
  harnessGenesis,
  type Step,
} from './harness.ts';
import { decodeSigned } from './independent.ts';

/** Asserts the block invariants of the module doc on the driver's primary state. */
export function expectConserved(d: Driver, label: string): void {
  const state = d.primary.state;
  const executedUnacked = new Map<string, bigint>();
  for (const w of d.withdrawalRecords()) {
    if (w.status !== WITHDRAWAL_STATUS.IN_FLIGHT) continue;
    if (d.destination.get(bytesToHex(w.settlementId)) !== 'EXECUTED') continue;
    const k = `${w.domain}/${bytesToHex(w.token)}`;
    executedUnacked.set(k, (executedUnacked.get(k) ?? 0n) + BigInt(w.amount));
  }
  for (const l of conservation(state)) {
    const where = `${label} ${l.domain}/${l.token}`;
    expect(l.imbalance, `${where}: Σ balances + in flight − (inflow + provisional − outflow)`).toBe(0n);
    expect(l.vaultView >= 0n, `${where}: inflow − outflow = ${l.vaultView} < 0`).toBe(true);
    const paidOut = executedUnacked.get(`${l.domain}/${l.token}`) ?? 0n;
    const onChain = d.vaultBalance(l.domain, l.token);
    expect(
      l.vaultView - paidOut <= onChain,
      `${where}: hub view ${l.vaultView} − executed unacknowledged ${paidOut} > vault on chain ${onChain}`,
    ).toBe(true);
  }
  for (const [k, v] of state.entries(Uint8Array.of(PREFIX.ledger))) {
    const amount = decodeSigned(v);
    if (amount >= 0n) continue;
    const holder = Buffer.from(k.subarray(1, 22)).toString('hex');
    expect(
      d.mayOwe.has(holder),
      `${label}: holder ${holder} (never traded nor withdrew) has ${amount} on ${Buffer.from(k).toString('hex')}`,
    ).toBe(true);
  }
}

/** Drives `blocks` and checks after each one; returns the driver. */
export function driveChecked(
  blocks: readonly BlockSpec[],
  check: (d: Driver, label: string, step: Step) => void,
): Driver {
  const { genesis, config } = harnessGenesis();
  const d = new Driver(genesis, config);
  blocks.forEach((b, i) => {
    const step = d.step(b);
    check(d, `block ${i + 1}`, step);
  });
  return d;
}

/** Asserts two replicas' outcomes of one block are identical (changes, receipts, end-block events). */
export function expectSameOutcome(got: BlockOutcome, want: BlockOutcome, label: string): void {
  expect(changesText(got.changes), `${label}: state changes`).toEqual(changesText(want.changes));
  expect(canonical(got.results), `${label}: receipts`).toBe(canonical(want.results));
  expect(canonical(got.endEvents), `${label}: end-block events`).toBe(canonical(want.endEvents));
}

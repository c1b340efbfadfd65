/** The collateral ledger (pure): balances by (holder, domain, token, stage). */
export * from './balances.ts';

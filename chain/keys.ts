/**
 * The hub's state key prefixes: one byte each, an append-only table pinned by
 * test/unit/chain/keys.test.ts. Never reuse or renumber a prefix; add new ones at the end.
 */
export const PREFIX = {
  /** account address (20) → Account */
  account: 0x01,
  /** account number (u64 BE) → account address (20) */
  accountByNumber: 0x02,
  /** EVM address (20) → linked account address (20) */
  evmLink: 0x03,
  /** account address (20) ‖ EVM address (20) → empty: the EVM addresses linked to an account */
  accountEvm: 0x04,
  /** → Params */
  params: 0x05,
  /** utf8 name → value: counters and singletons (see META) */
  meta: 0x06,
  /** account address (20) → fee-token balance (unsigned big-endian) */
  feeBalance: 0x07,
  /** Hyperlane bridge tables: a sub-table byte, then its key (chain/hyperlane/keys.ts) */
  hyperlane: 0x08,
  /** collateral ledger: holder tag (1) ‖ holder (20) ‖ domain (u32) ‖ token (20) ‖ stage (1) → signed amount (chain/ledger) */
  ledger: 0x09,
  /** oracle: 0x00 → OracleConfig; 0x01 ‖ utf8(feed) → OraclePrice (chain/oracle) */
  oracle: 0x0a,
  /** governance: 0x00 → GovernanceConfig; 0x01 ‖ id → pending SecurityChange; 0x02 → next id; 0x03 ‖ id → closed SecurityChange (chain/governance) */
  governance: 0x0b,
  /** unified margin: a sub-table byte, then its key (chain/margin/keys.ts) */
  margin: 0x0c,
} as const;

/** Names under PREFIX.meta. */
export const META = {
  nextAccountNumber: 'nextAccountNumber',
  genesisHash: 'genesisHash',
} as const;

/** Concatenates byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 8-byte big-endian unsigned. */
export function u64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}

export const accountKey = (addr: Uint8Array) => concatBytes(Uint8Array.of(PREFIX.account), addr);
export const accountByNumberKey = (n: bigint) => concatBytes(Uint8Array.of(PREFIX.accountByNumber), u64be(n));
export const evmLinkKey = (evm: Uint8Array) => concatBytes(Uint8Array.of(PREFIX.evmLink), evm);
export const accountEvmKey = (addr: Uint8Array, evm: Uint8Array) =>
  concatBytes(Uint8Array.of(PREFIX.accountEvm), addr, evm);
export const accountEvmPrefix = (addr: Uint8Array) => concatBytes(Uint8Array.of(PREFIX.accountEvm), addr);
export const paramsKey = () => Uint8Array.of(PREFIX.params);
export const metaKey = (name: string) =>
  concatBytes(Uint8Array.of(PREFIX.meta), new TextEncoder().encode(name));
export const feeBalanceKey = (addr: Uint8Array) => concatBytes(Uint8Array.of(PREFIX.feeBalance), addr);

/** Minimal unsigned big-endian bytes of a non-negative bigint (0 → empty). */
export function uintToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RangeError(`negative amount ${n}`);
  const hex = n === 0n ? '' : n.toString(16);
  const padded = hex.length % 2 ? `0${hex}` : hex;
  const out = new Uint8Array(padded.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Inverse of {@link uintToBytes}. */
export function bytesToUint(b: Uint8Array | undefined): bigint {
  if (b === undefined) return 0n;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

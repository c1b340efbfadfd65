/**
 * The bridge config: its genesis JSON form, validation, its place in state, and the runtime form
 * the STF looks origins up in. Source of truth: `genesis.bridge` (written to state by InitChain).
 * Changing it later is a governance step with a timelock (DESIGN "Governance"), not part of this
 * module.
 */
import {
  BridgeError,
  bytesToHex,
  type Hex,
  type IsmType,
  type MultisigIsmConfig,
  overlappingValidators,
  validateMultisigConfig,
} from '../../bridge/index.ts';
import type { StateReader, StateView } from '../../state/types.ts';
import { bytesEqual, fromHex } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { accountHolder, collateralDenom, ledgerKey, STAGE } from '../ledger/index.ts';
import {
  type BridgeConfig,
  BridgeConfigCodec,
  type BridgeOrigin,
  type BridgeToken,
  type MultisigIsmRecord,
} from './codec.ts';
import { HUB_DOMAIN, MODULE_TYPE } from './constants.ts';
import { bridgeConfigKey } from './keys.ts';

/** Most origins one hub mirrors (bounds WRONG_ORIGIN diagnosis and config size). */
export const MAX_ORIGINS = 32;
/** Most tokens per origin. */
export const MAX_TOKENS_PER_ORIGIN = 64;

function bad(field: string, why: string): never {
  throw new ChainError('HUB_CONFIG_INVALID', `bridge.${field} ${why}`, { field: `bridge.${field}` });
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

/** An ISM record in the bridge core's form (`type`, lowercase validators, threshold). */
export function ismConfigOf(r: MultisigIsmRecord): MultisigIsmConfig {
  const type: IsmType =
    r.moduleType === MODULE_TYPE.MERKLE_ROOT_MULTISIG ? 'merkleRootMultisig' : 'messageIdMultisig';
  return { type, validators: r.validators.map((v) => bytesToHex(v)), threshold: r.threshold };
}

function validateIsm(field: string, r: MultisigIsmRecord | undefined): MultisigIsmConfig {
  if (r === undefined) bad(field, 'is missing');
  if (r.moduleType !== MODULE_TYPE.MERKLE_ROOT_MULTISIG && r.moduleType !== MODULE_TYPE.MESSAGE_ID_MULTISIG) {
    bad(
      `${field}.module_type`,
      `= ${r.moduleType}; expected 4 (merkle_root_multisig) or 5 (message_id_multisig)`,
    );
  }
  r.validators.forEach((v, i) => {
    if (v.length !== 20) bad(`${field}.validators[${i}]`, `is ${v.length} bytes; expected a 20-byte address`);
  });
  const c = ismConfigOf(r);
  try {
    validateMultisigConfig(c);
  } catch (e) {
    if (e instanceof BridgeError)
      bad(`${field}.${e.meta.field ?? 'validators'}`, e.message.replace(/^[A-Z_]+: /, ''));
    throw e;
  }
  return c;
}

function word32(field: string, b: Uint8Array): void {
  if (b.length !== 32) bad(field, `is ${b.length} bytes; expected 32 (bytes32)`);
  if (isZero(b)) bad(field, 'is zero');
}

/**
 * Checks a bridge config and throws HUB_CONFIG_INVALID naming the field: the hub domain is
 * 0x554D5247; origins are distinct, not the hub, at most {@link MAX_ORIGINS}; each has both ISMs
 * valid (type 4 or 5, 1 ≤ threshold ≤ validators ≤ 255, distinct validators) with disjoint fast
 * and final key sets; a non-zero tree hook, vault and adapter (vault ≠ adapter);
 * 0 < expected finality, timeout ≥ 2 × expected finality; distinct tokens and symbols.
 */
export function validateBridgeConfig(c: BridgeConfig): void {
  if (c.hubDomain !== HUB_DOMAIN)
    bad('hub_domain', `= ${c.hubDomain}; the hub domain is ${HUB_DOMAIN} ("UMRG")`);
  if (c.origins.length > MAX_ORIGINS)
    bad('origins', `has ${c.origins.length} entries; at most ${MAX_ORIGINS}`);
  const domains = new Set<number>();
  const names = new Set<string>();
  c.origins.forEach((o, i) => {
    const f = `origins[${i}]`;
    if (o.domain === HUB_DOMAIN) bad(`${f}.domain`, `= ${o.domain} is the hub's own domain`);
    if (domains.has(o.domain)) bad(`${f}.domain`, `= ${o.domain} appears twice`);
    domains.add(o.domain);
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(o.name))
      bad(`${f}.name`, `= ${JSON.stringify(o.name)} must match [a-z0-9-]{1,32}`);
    if (names.has(o.name)) bad(`${f}.name`, `= ${o.name} appears twice`);
    names.add(o.name);
    const fast = validateIsm(`${f}.fast_ism`, o.fastIsm);
    const fin = validateIsm(`${f}.final_ism`, o.finalIsm);
    const shared = overlappingValidators(fast.validators, fin.validators);
    if (shared.length > 0) {
      bad(
        `${f}.final_ism.validators`,
        `shares ${shared.join(', ')} with fast_ism: a checkpoint carries no depth, so a shared key's fast signature would count as final`,
      );
    }
    word32(`${f}.merkle_tree_hook`, o.merkleTreeHook);
    word32(`${f}.vault`, o.vault);
    word32(`${f}.adapter`, o.adapter);
    if (bytesEqual(o.vault, o.adapter)) bad(`${f}.adapter`, 'equals the vault; they are distinct contracts');
    if (o.expectedFinalityMs === 0n) bad(`${f}.expected_finality_ms`, 'must be positive');
    if (o.timeoutMs < 2n * o.expectedFinalityMs) {
      bad(
        `${f}.timeout_ms`,
        `= ${o.timeoutMs} is below 2 × expected_finality_ms = ${2n * o.expectedFinalityMs}`,
      );
    }
    if (o.tokens.length > MAX_TOKENS_PER_ORIGIN) {
      bad(`${f}.tokens`, `has ${o.tokens.length} entries; at most ${MAX_TOKENS_PER_ORIGIN}`);
    }
    const tokens = new Set<string>();
    const symbols = new Set<string>();
    o.tokens.forEach((t, j) => {
      const g = `${f}.tokens[${j}]`;
      if (t.token.length !== 20 || isZero(t.token)) bad(`${g}.token`, 'must be a non-zero 20-byte address');
      const hex = bytesToHex(t.token);
      if (tokens.has(hex)) bad(`${g}.token`, `${hex} appears twice`);
      tokens.add(hex);
      if (t.decimals > 36) bad(`${g}.decimals`, `= ${t.decimals} is above 36`);
      if (!/^[A-Za-z0-9.-]{1,16}$/.test(t.symbol))
        bad(`${g}.symbol`, `= ${JSON.stringify(t.symbol)} must match [A-Za-z0-9.-]{1,16}`);
      if (symbols.has(t.symbol)) bad(`${g}.symbol`, `${t.symbol} appears twice`);
      symbols.add(t.symbol);
    });
  });
}

// ---- JSON (genesis.json's `bridge` section) -------------------------------------------------

/** genesis.json's `bridge` section. Integers ≤ u32 are JSON numbers, u64 values decimal strings. */
export interface BridgeConfigJson {
  hub_domain: number;
  origins: {
    domain: number;
    name: string;
    fast_ism: MultisigIsmJson;
    final_ism: MultisigIsmJson;
    merkle_tree_hook: string;
    vault: string;
    adapter: string;
    expected_finality_ms: string;
    timeout_ms: string;
    tokens: { token: string; decimals: number; symbol: string }[];
  }[];
}
/** An ISM in JSON: `type` is `message_id_multisig` or `merkle_root_multisig`. */
export interface MultisigIsmJson {
  type: 'message_id_multisig' | 'merkle_root_multisig';
  validators: string[];
  threshold: number;
}

function obj(field: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(field, 'is not an object');
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!keys.includes(k)) bad(`${field}.${k}`, 'is not a known field');
  for (const k of keys) if (!(k in r)) bad(`${field}.${k}`, 'is missing');
  return r;
}
function u32(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    bad(field, `must be a u32 number; got ${JSON.stringify(v)}`);
  return v;
}
function u64(field: string, v: unknown): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) >= 1n << 64n) {
    bad(field, `must be a decimal uint64 string; got ${JSON.stringify(v)}`);
  }
  return BigInt(v);
}
function hexBytes(field: string, v: unknown, lengths: readonly number[]): Uint8Array {
  const b = typeof v === 'string' && v.startsWith('0x') ? fromHex(v) : undefined;
  if (b === undefined || !lengths.includes(b.length))
    bad(field, `must be 0x hex of ${lengths.join(' or ')} bytes; got ${JSON.stringify(v)}`);
  return b;
}
// A bytes32 word given as 32 bytes, or as a 20-byte EVM address (left-padded, as Hyperlane's addressToBytes32).
function word(field: string, v: unknown): Uint8Array {
  const b = hexBytes(field, v, [20, 32]);
  if (b.length === 32) return b;
  const out = new Uint8Array(32);
  out.set(b, 12);
  return out;
}
function ismFromJson(field: string, v: unknown): MultisigIsmRecord {
  const r = obj(field, v, ['type', 'validators', 'threshold']);
  const moduleType =
    r.type === 'message_id_multisig'
      ? MODULE_TYPE.MESSAGE_ID_MULTISIG
      : r.type === 'merkle_root_multisig'
        ? MODULE_TYPE.MERKLE_ROOT_MULTISIG
        : bad(
            `${field}.type`,
            `must be "message_id_multisig" or "merkle_root_multisig"; got ${JSON.stringify(r.type)}`,
          );
  if (!Array.isArray(r.validators)) bad(`${field}.validators`, 'must be an array');
  return {
    moduleType,
    validators: (r.validators as unknown[]).map((x, i) => hexBytes(`${field}.validators[${i}]`, x, [20])),
    threshold: u32(`${field}.threshold`, r.threshold),
  };
}

/** Parses and validates genesis.json's `bridge` section. Throws HUB_CONFIG_INVALID naming the field. */
export function bridgeConfigFromJson(json: unknown): BridgeConfig {
  const r = obj('', json, ['hub_domain', 'origins']);
  if (!Array.isArray(r.origins)) bad('origins', 'must be an array');
  const config: BridgeConfig = {
    hubDomain: u32('hub_domain', r.hub_domain),
    origins: (r.origins as unknown[]).map((ov, i): BridgeOrigin => {
      const f = `origins[${i}]`;
      const o = obj(f, ov, [
        'domain',
        'name',
        'fast_ism',
        'final_ism',
        'merkle_tree_hook',
        'vault',
        'adapter',
        'expected_finality_ms',
        'timeout_ms',
        'tokens',
      ]);
      if (typeof o.name !== 'string') bad(`${f}.name`, 'must be a string');
      if (!Array.isArray(o.tokens)) bad(`${f}.tokens`, 'must be an array');
      return {
        domain: u32(`${f}.domain`, o.domain),
        name: o.name,
        fastIsm: ismFromJson(`${f}.fast_ism`, o.fast_ism),
        finalIsm: ismFromJson(`${f}.final_ism`, o.final_ism),
        merkleTreeHook: word(`${f}.merkle_tree_hook`, o.merkle_tree_hook),
        vault: word(`${f}.vault`, o.vault),
        adapter: word(`${f}.adapter`, o.adapter),
        expectedFinalityMs: u64(`${f}.expected_finality_ms`, o.expected_finality_ms),
        timeoutMs: u64(`${f}.timeout_ms`, o.timeout_ms),
        tokens: (o.tokens as unknown[]).map((tv, j): BridgeToken => {
          const g = `${f}.tokens[${j}]`;
          const t = obj(g, tv, ['token', 'decimals', 'symbol']);
          if (typeof t.symbol !== 'string') bad(`${g}.symbol`, 'must be a string');
          return {
            token: hexBytes(`${g}.token`, t.token, [20]),
            decimals: u32(`${g}.decimals`, t.decimals),
            symbol: t.symbol,
          };
        }),
      };
    }),
  };
  validateBridgeConfig(config);
  return config;
}

const ismToJson = (r: MultisigIsmRecord | undefined): MultisigIsmJson => ({
  type: r?.moduleType === MODULE_TYPE.MERKLE_ROOT_MULTISIG ? 'merkle_root_multisig' : 'message_id_multisig',
  validators: (r?.validators ?? []).map((v) => bytesToHex(v)),
  threshold: r?.threshold ?? 0,
});

/** BridgeConfig → genesis.json's `bridge` section (inverse of {@link bridgeConfigFromJson}). */
export function bridgeConfigToJson(c: BridgeConfig): BridgeConfigJson {
  return {
    hub_domain: c.hubDomain,
    origins: c.origins.map((o) => ({
      domain: o.domain,
      name: o.name,
      fast_ism: ismToJson(o.fastIsm),
      final_ism: ismToJson(o.finalIsm),
      merkle_tree_hook: bytesToHex(o.merkleTreeHook),
      vault: bytesToHex(o.vault),
      adapter: bytesToHex(o.adapter),
      expected_finality_ms: o.expectedFinalityMs.toString(),
      timeout_ms: o.timeoutMs.toString(),
      tokens: o.tokens.map((t) => ({ token: bytesToHex(t.token), decimals: t.decimals, symbol: t.symbol })),
    })),
  };
}

// ---- state and runtime form ----------------------------------------------------------------

/** One origin as the STF uses it. */
export interface OriginRuntime {
  readonly domain: number;
  readonly name: string;
  readonly fast: MultisigIsmConfig;
  readonly final: MultisigIsmConfig;
  readonly merkleTreeHook: Hex;
  readonly vault: Uint8Array;
  readonly adapter: Uint8Array;
  readonly expectedFinalityMs: bigint;
  readonly timeoutMs: bigint;
  /** Token registry by lowercase 0x address. */
  readonly tokens: ReadonlyMap<string, BridgeToken>;
}

/** The config with its per-origin lookup. */
export interface BridgeRuntime {
  readonly config: BridgeConfig;
  readonly origins: ReadonlyMap<number, OriginRuntime>;
  /** Every configured origin domain (for WRONG_ORIGIN diagnosis), ascending. */
  readonly knownOrigins: readonly number[];
}

/** Builds the runtime form of a (validated) config. */
export function bridgeRuntime(config: BridgeConfig): BridgeRuntime {
  const origins = new Map<number, OriginRuntime>();
  for (const o of config.origins) {
    origins.set(o.domain, {
      domain: o.domain,
      name: o.name,
      fast: ismConfigOf(o.fastIsm!),
      final: ismConfigOf(o.finalIsm!),
      merkleTreeHook: bytesToHex(o.merkleTreeHook),
      vault: o.vault,
      adapter: o.adapter,
      expectedFinalityMs: o.expectedFinalityMs,
      timeoutMs: o.timeoutMs,
      tokens: new Map(o.tokens.map((t) => [bytesToHex(t.token), t])),
    });
  }
  return { config, origins, knownOrigins: [...origins.keys()].sort((a, b) => a - b) };
}

// A memo of the last decoded config (a cache of a pure function of the stored bytes: one compare
// of a few hundred bytes instead of a protobuf decode per message).
let memo: { raw: Uint8Array; copy: Uint8Array; runtime: BridgeRuntime } | undefined;

/** The bridge config in state, in runtime form; undefined when genesis had no bridge section. */
export function readBridge(state: StateReader): BridgeRuntime | undefined {
  const raw = state.get(bridgeConfigKey());
  if (raw === undefined) return undefined;
  // The store hands out the same value object until the key is written again: identity first.
  if (memo !== undefined && (memo.raw === raw || bytesEqual(memo.copy, raw))) return memo.runtime;
  const runtime = bridgeRuntime(BridgeConfigCodec.decode(raw));
  memo = { raw, copy: raw.slice(), runtime };
  return runtime;
}

/** {@link readBridge}, throwing HUB_BRIDGE_NOT_CONFIGURED when absent. */
export function requireBridge(state: StateReader): BridgeRuntime {
  const b = readBridge(state);
  if (b === undefined) {
    throw new ChainError(
      'HUB_BRIDGE_NOT_CONFIGURED',
      'this chain has no bridge section in its genesis; no origin is configured',
    );
  }
  return b;
}

/** Writes the config (validated first). */
export function writeBridgeConfig(state: StateView, config: BridgeConfig): void {
  validateBridgeConfig(config);
  state.set(bridgeConfigKey(), BridgeConfigCodec.toBytes(config));
}

/** The origin's runtime config, or HUB_ORIGIN_UNKNOWN naming the configured ones. */
export function requireOrigin(bridge: BridgeRuntime, origin: number): OriginRuntime {
  const o = bridge.origins.get(origin);
  if (o === undefined) {
    throw new ChainError(
      'HUB_ORIGIN_UNKNOWN',
      `origin domain ${origin} is not configured; configured origins: ${bridge.knownOrigins.join(', ') || 'none'}`,
      { origin },
    );
  }
  return o;
}

/**
 * The bank-query view of an account's collateral: for every (origin, registered token) and both
 * stages, the denom (`col/<domain>/<token>`, `…/provisional`) and the ledger key to read. A list of
 * point keys (not a prefix scan) so a historical query can read it at any committed height.
 */
export function collateralBankKeys(
  config: BridgeConfig,
  account: Uint8Array,
): { denom: string; key: Uint8Array }[] {
  const holder = accountHolder(account);
  const out: { denom: string; key: Uint8Array }[] = [];
  for (const o of config.origins) {
    for (const t of o.tokens) {
      for (const stage of [STAGE.FINAL, STAGE.PROVISIONAL]) {
        out.push({
          denom: collateralDenom(o.domain, t.token, stage),
          key: ledgerKey(holder, o.domain, t.token, stage),
        });
      }
    }
  }
  return out;
}

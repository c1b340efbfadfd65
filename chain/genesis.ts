/**
 * Genesis: the JSON file (snake_case, integers as decimal strings, bytes as hex), its validation,
 * its canonical binary form (unimargin.v1.Genesis) whose sha256 is part of the chain's identity,
 * and InitChain, which writes it into state.
 */
import type { StateView } from '../state/types.ts';
import { createAccount, getEvmLink, setEvmLink, setFeeBalance } from './accounts.ts';
import { type Genesis, GenesisCodec, type Params } from './codec/messages.ts';
import {
  bytesEqual,
  cosmosAddressBytes,
  evmAddressBytes,
  fromHex,
  parseBech32,
  secp,
  sha256,
  toHex,
} from './crypto.ts';
import { ChainError } from './errors.ts';
import {
  type BridgeConfigJson,
  bridgeConfigFromJson,
  bridgeConfigToJson,
  writeBridgeConfig,
} from './hyperlane/config.ts';
import { META, metaKey } from './keys.ts';
import {
  decodeMarginConfig,
  encodeMarginConfig,
  marginConfigFromJson,
  writeMarginConfig,
} from './margin/config.ts';
import { type OracleConfig, validateOracleConfig, writeOracleConfig } from './oracle/index.ts';
import { DEFAULT_PARAMS, validateParams, writeParams } from './params.ts';

/** genesis.json as written on disk. */
export interface GenesisJson {
  chain_id: string;
  genesis_time_ms: string;
  authority: string;
  sequencer_pub_key: string;
  params: Record<string, string>;
  accounts: { address: string; pub_key: string; fee_balance: string }[];
  /** Hyperlane origins (chain/hyperlane/config.ts); absent on a chain without a bridge. */
  bridge?: BridgeConfigJson;
  /** Unified margin (chain/margin/config.ts, camelCase, bigints as decimal strings); needs `bridge`. */
  margin?: Record<string, unknown>;
  /** The oracle committee (chain/oracle); absent: set later by MsgUpdateOracleConfig. */
  oracle?: OracleConfigJson;
}

/** The oracle section of genesis.json. */
export interface OracleConfigJson {
  signers: string[];
  min_observations: number;
  super_majority: number;
  window_ms: string;
  max_jump_ppm: string;
  stale_withdrawals_ms: string;
  stale_liquidations_ms: string;
  liquidation_grace_ms: string;
}

function oracleFromJson(j: unknown): OracleConfig {
  if (typeof j !== 'object' || j === null) invalid('oracle', 'is not an object');
  const o = j as Record<string, unknown>;
  const known = [
    'signers',
    'min_observations',
    'super_majority',
    'window_ms',
    'max_jump_ppm',
    'stale_withdrawals_ms',
    'stale_liquidations_ms',
    'liquidation_grace_ms',
  ];
  for (const k of Object.keys(o)) if (!known.includes(k)) invalid(`oracle.${k}`, 'is not an oracle field');
  if (!Array.isArray(o.signers)) invalid('oracle.signers', 'must be an array of 0x addresses');
  const signers = (o.signers as unknown[]).map((x, i) => {
    const b =
      typeof x === 'string' && /^0x[0-9a-fA-F]{40}$/.test(x) ? fromHex(x.slice(2).toLowerCase()) : undefined;
    if (b === undefined) invalid(`oracle.signers[${i}]`, `is not a 0x address: ${JSON.stringify(x)}`);
    return b;
  });
  const int = (k: string) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      invalid(`oracle.${k}`, 'must be a non-negative integer');
    return v as number;
  };
  const c: OracleConfig = {
    signers,
    minObservations: int('min_observations'),
    superMajority: int('super_majority'),
    windowMs: uint('oracle.window_ms', o.window_ms),
    maxJumpPpm: uint('oracle.max_jump_ppm', o.max_jump_ppm),
    staleWithdrawalsMs: uint('oracle.stale_withdrawals_ms', o.stale_withdrawals_ms),
    staleLiquidationsMs: uint('oracle.stale_liquidations_ms', o.stale_liquidations_ms),
    liquidationGraceMs: uint('oracle.liquidation_grace_ms', o.liquidation_grace_ms),
  };
  try {
    validateOracleConfig(c);
  } catch (e) {
    if (e instanceof ChainError) invalid('oracle', e.message);
    throw e;
  }
  return c;
}

function oracleToJson(c: OracleConfig): OracleConfigJson {
  return {
    signers: c.signers.map((b) => `0x${toHex(b)}`),
    min_observations: c.minObservations,
    super_majority: c.superMajority,
    window_ms: c.windowMs.toString(),
    max_jump_ppm: c.maxJumpPpm.toString(),
    stale_withdrawals_ms: c.staleWithdrawalsMs.toString(),
    stale_liquidations_ms: c.staleLiquidationsMs.toString(),
    liquidation_grace_ms: c.liquidationGraceMs.toString(),
  };
}

const PARAM_FIELDS: [keyof Params, string][] = [
  ['feeDenom', 'fee_denom'],
  ['minGasPricePerKgas', 'min_gas_price_per_kgas'],
  ['blockGasLimit', 'block_gas_limit'],
  ['maxTxBytes', 'max_tx_bytes'],
  ['gasPerTx', 'gas_per_tx'],
  ['gasPerByte', 'gas_per_byte'],
  ['gasPerSignature', 'gas_per_signature'],
  ['gasPerMsg', 'gas_per_msg'],
  ['maxMemoChars', 'max_memo_chars'],
  ['maxLinkValidityMs', 'max_link_validity_ms'],
  ['maxMsgsPerTx', 'max_msgs_per_tx'],
];

function invalid(field: string, why: string): never {
  throw new ChainError('GENESIS_INVALID', `genesis.${field} ${why}`, { field });
}

function uint(field: string, v: unknown): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) >= 1n << 64n) {
    invalid(field, `must be a decimal uint64 string; got ${JSON.stringify(v)}`);
  }
  return BigInt(v);
}

/** Params → the JSON object genesis.json holds. */
export function paramsToJson(p: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, j] of PARAM_FIELDS) out[j] = String(p[k]);
  return out;
}

/** Parses and validates genesis.json (already JSON-parsed). Throws GENESIS_INVALID naming the field. */
export function parseGenesis(json: unknown): Genesis {
  if (typeof json !== 'object' || json === null) invalid('', 'is not an object');
  const g = json as Record<string, unknown>;
  const known = new Set([
    'chain_id',
    'genesis_time_ms',
    'authority',
    'sequencer_pub_key',
    'params',
    'accounts',
    'bridge',
    'margin',
    'oracle',
  ]);
  for (const k of Object.keys(g)) if (!known.has(k)) invalid(k, 'is not a genesis field');
  const chainId = g.chain_id;
  if (typeof chainId !== 'string' || !/^[a-z0-9][a-z0-9-]{2,47}$/.test(chainId)) {
    invalid('chain_id', `must match [a-z0-9-]{3,48}; got ${JSON.stringify(chainId)}`);
  }
  const genesisTimeMs = uint('genesis_time_ms', g.genesis_time_ms);
  if (typeof g.authority !== 'string' || parseBech32(g.authority) === undefined) {
    invalid('authority', `must be a umg bech32 address; got ${JSON.stringify(g.authority)}`);
  }
  const seq = typeof g.sequencer_pub_key === 'string' ? fromHex(g.sequencer_pub_key) : undefined;
  if (seq === undefined || seq.length !== 32)
    invalid('sequencer_pub_key', 'must be a 32-byte ed25519 key in hex');
  const pj = g.params;
  if (typeof pj !== 'object' || pj === null) invalid('params', 'is not an object');
  const pRec = pj as Record<string, unknown>;
  const params = { ...DEFAULT_PARAMS };
  const knownParams = new Set(PARAM_FIELDS.map(([, j]) => j));
  for (const k of Object.keys(pRec)) if (!knownParams.has(k)) invalid(`params.${k}`, 'is not a param');
  for (const [k, j] of PARAM_FIELDS) {
    if (!(j in pRec)) invalid(`params.${j}`, 'is missing');
    if (k === 'feeDenom') {
      if (typeof pRec[j] !== 'string') invalid(`params.${j}`, 'must be a string');
      params.feeDenom = pRec[j] as string;
    } else {
      (params as Record<string, unknown>)[k] = uint(`params.${j}`, pRec[j]);
    }
  }
  try {
    validateParams(params);
  } catch (e) {
    invalid('params', (e as Error).message);
  }
  if (!Array.isArray(g.accounts)) invalid('accounts', 'must be an array');
  const seen = new Set<string>();
  const accounts = (g.accounts as unknown[]).map((a, i) => {
    if (typeof a !== 'object' || a === null) invalid(`accounts[${i}]`, 'is not an object');
    const r = a as Record<string, unknown>;
    const addr = typeof r.address === 'string' ? parseBech32(r.address) : undefined;
    if (addr === undefined)
      invalid(`accounts[${i}].address`, `is not a umg address: ${JSON.stringify(r.address)}`);
    if (seen.has(r.address as string)) invalid(`accounts[${i}].address`, `${r.address} appears twice`);
    seen.add(r.address as string);
    const pk = r.pub_key === '' || r.pub_key === undefined ? new Uint8Array(0) : fromHex(String(r.pub_key));
    if (pk === undefined || (pk.length !== 0 && (pk.length !== 33 || !secp.publicKeyVerify(pk)))) {
      invalid(`accounts[${i}].pub_key`, 'must be empty or a 33-byte compressed secp256k1 key in hex');
    }
    if (pk.length === 33 && !bytesEqual(cosmosAddressBytes(pk), addr)) {
      invalid(`accounts[${i}].pub_key`, `does not belong to ${r.address}`);
    }
    const fee = r.fee_balance ?? '0';
    if (typeof fee !== 'string' || !/^(0|[1-9][0-9]{0,76})$/.test(fee)) {
      invalid(`accounts[${i}].fee_balance`, `must be a decimal string; got ${JSON.stringify(fee)}`);
    }
    return { address: r.address as string, pubKey: pk, feeBalance: fee };
  });
  let bridge: Genesis['bridge'];
  if (g.bridge !== undefined) {
    try {
      bridge = bridgeConfigFromJson(g.bridge);
    } catch (e) {
      if (e instanceof ChainError) invalid('bridge', e.detail);
      throw e;
    }
  }
  let marginJson = '';
  if (g.margin !== undefined) {
    if (bridge === undefined) invalid('margin', 'needs a bridge section');
    try {
      const m = marginConfigFromJson(g.margin);
      marginJson = new TextDecoder().decode(encodeMarginConfig(m));
    } catch (e) {
      if (e instanceof ChainError) invalid('margin', e.message);
      throw e;
    }
  }
  const oracle = g.oracle === undefined ? undefined : oracleFromJson(g.oracle);
  return {
    chainId: chainId as string,
    genesisTimeMs,
    authority: g.authority as string,
    sequencerPubKey: seq,
    params,
    accounts,
    ...(bridge !== undefined ? { bridge } : {}),
    ...(marginJson !== '' ? { marginJson } : {}),
    ...(oracle !== undefined ? { oracle } : {}),
  };
}

/** Genesis → genesis.json's object form. */
export function genesisToJson(g: Genesis): GenesisJson {
  return {
    chain_id: g.chainId,
    genesis_time_ms: g.genesisTimeMs.toString(),
    authority: g.authority,
    sequencer_pub_key: toHex(g.sequencerPubKey),
    params: paramsToJson(g.params ?? DEFAULT_PARAMS),
    accounts: g.accounts.map((a) => ({
      address: a.address,
      pub_key: toHex(a.pubKey),
      fee_balance: a.feeBalance,
    })),
    ...(g.bridge !== undefined ? { bridge: bridgeConfigToJson(g.bridge) } : {}),
    ...(g.marginJson !== undefined && g.marginJson !== '' ? { margin: JSON.parse(g.marginJson) } : {}),
    ...(g.oracle !== undefined ? { oracle: oracleToJson(g.oracle) } : {}),
  };
}

/** sha256 of the canonical binary encoding: the genesis hash. */
export function genesisHash(g: Genesis): Uint8Array {
  return sha256(GenesisCodec.toBytes(g));
}

/**
 * Writes genesis into an empty state: params, accounts numbered in file order, fee balances, the
 * automatic link of each known pubkey's EVM address, and the genesis hash.
 */
export function initChain(state: StateView, g: Genesis): void {
  writeParams(state, g.params ?? DEFAULT_PARAMS);
  for (const a of g.accounts) {
    const address = parseBech32(a.address)!;
    createAccount(state, address, a.pubKey);
    if (a.feeBalance !== '0') setFeeBalance(state, address, BigInt(a.feeBalance));
    if (a.pubKey.length === 33) {
      const evm = evmAddressBytes(a.pubKey);
      if (getEvmLink(state, evm) === undefined) setEvmLink(state, evm, address);
    }
  }
  if (g.bridge !== undefined) writeBridgeConfig(state, g.bridge);
  if (g.marginJson !== undefined && g.marginJson !== '')
    writeMarginConfig(state, decodeMarginConfig(new TextEncoder().encode(g.marginJson)));
  if (g.oracle !== undefined) writeOracleConfig(state, g.oracle);
  state.set(metaKey(META.genesisHash), genesisHash(g));
}

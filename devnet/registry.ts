/**
 * Chain metadata and addresses in Hyperlane's registry format
 * (`chains/<name>/metadata.yaml` + `addresses.yaml`; we also write the `.json` twins, which is what
 * `bridge/agents`' `loadAgentChain` reads), and a validator of the registry's `ChainMetadataSchema`.
 *
 * Source of truth for the schema: `typescript/sdk/src/metadata/chainMetadataTypes.ts` of
 * hyperlane-monorepo (the zod `ChainMetadataSchema` of `@hyperlane-xyz/sdk`) and
 * `customZodTypes.ts` (`ZChainName = /^[a-z][a-z0-9]*$/`, `ZUint`, `ZNzUint`). The SDK itself is
 * not a dependency (≈ 1.3 GB installed), so {@link validateChainMetadata} re-implements the schema's
 * field rules and its refinements; when the SDK is installed, the e2e test also runs the real one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevnetError } from './errors.ts';
import type { WorldChain } from './world.ts';

/** A JSON value as the registry files hold it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** Registry `ChainMetadata` as written by the devnet (a plain JSON object). */
export type RegistryMetadata = { [k: string]: JsonValue };

/** One schema violation: the field path, the value found and what the schema wants. */
export interface MetadataIssue {
  readonly path: string;
  readonly value: string;
  readonly expected: string;
}

const PROTOCOLS = ['ethereum', 'sealevel', 'cosmos', 'cosmosnative', 'starknet', 'radix'] as const;
const STACKS = ['arbitrumnitro', 'opstack', 'polygoncdk', 'polkadotsubstrate', 'zksync', 'other'] as const;
const EXPLORER_FAMILIES = [
  'etherscan',
  'blockscout',
  'routescan',
  'voyager',
  'zksync',
  'radixdashboard',
  'other',
] as const;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNzUint = (v: unknown): v is number => isUint(v) && v > 0;
const isUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
};
const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v).slice(0, 80));

/**
 * Checks `m` against the registry's `ChainMetadataSchema` (field types, `.url()` endpoints, enums,
 * and the refinements: numeric chain id for ethereum/sealevel, string chain id for cosmos,
 * bech32Prefix + slip44 + restUrls + grpcUrls for cosmos, a denom on a cosmos native token,
 * `index.from` for Arbitrum Nitro). Unknown fields pass (the schema is `passthrough`). Returns every
 * issue found; empty means valid.
 */
export function validateChainMetadata(m: unknown): MetadataIssue[] {
  const out: MetadataIssue[] = [];
  const bad = (path: string, value: unknown, expected: string) =>
    out.push({ path, value: show(value), expected });
  if (!isObj(m)) {
    bad('', m, 'an object');
    return out;
  }
  if (typeof m.name !== 'string' || !/^[a-z][a-z0-9]*$/.test(m.name))
    bad('name', m.name, '/^[a-z][a-z0-9]*$/');
  if (!(isNzUint(m.chainId) || typeof m.chainId === 'string'))
    bad('chainId', m.chainId, 'a positive integer or a string');
  if (!isNzUint(m.domainId)) bad('domainId', m.domainId, 'a positive integer');
  if (typeof m.protocol !== 'string' || !(PROTOCOLS as readonly string[]).includes(m.protocol))
    bad('protocol', m.protocol, PROTOCOLS.join(' | '));
  const urlList = (key: string, min: number) => {
    const v = m[key];
    if (v === undefined && min === 0) return;
    if (!Array.isArray(v) || v.length < min) {
      bad(key, v, min > 0 ? `an array of at least ${min} {http}` : 'an array of {http}');
      return;
    }
    v.forEach((u, i) => {
      if (!isObj(u)) {
        bad(`${key}[${i}]`, u, '{ http: <url> }');
        return;
      }
      if (!isUrl(u.http)) bad(`${key}[${i}].http`, u.http, 'a URL');
      if (u.webSocket !== undefined && typeof u.webSocket !== 'string')
        bad(`${key}[${i}].webSocket`, u.webSocket, 'a string');
      if (u.concurrency !== undefined && !isNzUint(u.concurrency))
        bad(`${key}[${i}].concurrency`, u.concurrency, 'a positive integer');
      if (u.public !== undefined && typeof u.public !== 'boolean')
        bad(`${key}[${i}].public`, u.public, 'a boolean');
    });
  };
  urlList('rpcUrls', 1);
  urlList('restUrls', 0);
  urlList('grpcUrls', 0);
  for (const k of [
    'bech32Prefix',
    'displayName',
    'displayNameShort',
    'logoURI',
    'gasCurrencyCoinGeckoId',
    'gnosisSafeTransactionServiceUrl',
    'customGrpcUrls',
  ]) {
    if (m[k] !== undefined && typeof m[k] !== 'string') bad(k, m[k], 'a string');
  }
  for (const k of ['isTestnet', 'bypassBatchSimulation']) {
    if (m[k] !== undefined && typeof m[k] !== 'boolean') bad(k, m[k], 'a boolean');
  }
  if (m.slip44 !== undefined && typeof m.slip44 !== 'number') bad('slip44', m.slip44, 'a number');
  if (m.blocks !== undefined) {
    const b = m.blocks;
    if (!isObj(b)) bad('blocks', b, 'an object');
    else {
      if (!isUint(b.confirmations)) bad('blocks.confirmations', b.confirmations, 'an integer ≥ 0 (required)');
      if (b.reorgPeriod !== undefined && !isUint(b.reorgPeriod) && typeof b.reorgPeriod !== 'string')
        bad('blocks.reorgPeriod', b.reorgPeriod, 'an integer ≥ 0 or a block tag string');
      if (
        b.estimateBlockTime !== undefined &&
        !(
          typeof b.estimateBlockTime === 'number' &&
          Number.isFinite(b.estimateBlockTime) &&
          b.estimateBlockTime > 0
        )
      )
        bad('blocks.estimateBlockTime', b.estimateBlockTime, 'a finite number > 0');
    }
  }
  if (m.nativeToken !== undefined) {
    const t = m.nativeToken;
    if (!isObj(t)) bad('nativeToken', t, 'an object');
    else {
      if (typeof t.name !== 'string') bad('nativeToken.name', t.name, 'a string');
      if (typeof t.symbol !== 'string') bad('nativeToken.symbol', t.symbol, 'a string');
      if (!isUint(t.decimals) || t.decimals >= 256)
        bad('nativeToken.decimals', t.decimals, 'an integer in [0, 256)');
      if (t.denom !== undefined && typeof t.denom !== 'string') bad('nativeToken.denom', t.denom, 'a string');
    }
  }
  if (m.blockExplorers !== undefined) {
    if (!Array.isArray(m.blockExplorers)) bad('blockExplorers', m.blockExplorers, 'an array');
    else
      m.blockExplorers.forEach((e, i) => {
        if (!isObj(e)) {
          bad(`blockExplorers[${i}]`, e, 'an object');
          return;
        }
        if (typeof e.name !== 'string') bad(`blockExplorers[${i}].name`, e.name, 'a string');
        if (!isUrl(e.url)) bad(`blockExplorers[${i}].url`, e.url, 'a URL');
        if (!isUrl(e.apiUrl)) bad(`blockExplorers[${i}].apiUrl`, e.apiUrl, 'a URL');
        if (e.family !== undefined && !(EXPLORER_FAMILIES as readonly unknown[]).includes(e.family))
          bad(`blockExplorers[${i}].family`, e.family, EXPLORER_FAMILIES.join(' | '));
      });
  }
  if (m.index !== undefined) {
    if (!isObj(m.index)) bad('index', m.index, 'an object');
    else if (m.index.from !== undefined && typeof m.index.from !== 'number')
      bad('index.from', m.index.from, 'a number');
  }
  if (m.technicalStack !== undefined && !(STACKS as readonly unknown[]).includes(m.technicalStack))
    bad('technicalStack', m.technicalStack, STACKS.join(' | '));
  if (m.gasPrice !== undefined) {
    const g = m.gasPrice;
    if (!isObj(g) || typeof g.denom !== 'string' || typeof g.amount !== 'string')
      bad('gasPrice', g, '{ denom: string, amount: string }');
  }
  if (m.transactionOverrides !== undefined && !isObj(m.transactionOverrides))
    bad('transactionOverrides', m.transactionOverrides, 'an object');
  if (m.deployer !== undefined) {
    const d = m.deployer;
    if (!isObj(d) || typeof d.name !== 'string') bad('deployer', d, '{ name: string, email?, url? }');
  }
  // Refinements (in the schema's order).
  const cosmos = m.protocol === 'cosmos' || m.protocol === 'cosmosnative';
  if ((m.protocol === 'ethereum' || m.protocol === 'sealevel') && typeof m.chainId !== 'number')
    bad('chainId', m.chainId, `a number for protocol ${String(m.protocol)}`);
  if (cosmos && typeof m.chainId !== 'string') bad('chainId', m.chainId, 'a string for a cosmos chain');
  if (typeof m.chainId === 'string' && !m.domainId)
    bad('domainId', m.domainId, 'required with a string chainId');
  if (cosmos && (!m.bech32Prefix || !m.slip44))
    bad(
      'bech32Prefix',
      { bech32Prefix: m.bech32Prefix, slip44: m.slip44 },
      'bech32Prefix and slip44 on a cosmos chain',
    );
  if (cosmos && (!m.restUrls || !m.grpcUrls))
    bad(
      'restUrls',
      { restUrls: m.restUrls, grpcUrls: m.grpcUrls },
      'restUrls and grpcUrls on a cosmos chain',
    );
  if (cosmos && isObj(m.nativeToken) && !m.nativeToken.denom)
    bad('nativeToken.denom', m.nativeToken.denom, 'a denom on a cosmos native token');
  if (m.technicalStack === 'arbitrumnitro' && !(isObj(m.index) && m.index.from !== undefined))
    bad('index.from', isObj(m.index) ? m.index.from : undefined, 'an index.from on an Arbitrum Nitro chain');
  return out;
}

/** Throws `DEVNET_METADATA_INVALID` listing every issue of {@link validateChainMetadata}. */
export function assertChainMetadata(m: unknown, where: string): void {
  const issues = validateChainMetadata(m);
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new DevnetError(
      'DEVNET_METADATA_INVALID',
      `${where}: ${issues.map((i) => `${i.path} = ${i.value}, expected ${i.expected}`).join('; ')}`,
      { where, path: first.path, value: first.value, expected: first.expected, issues: issues.length },
    );
  }
}

/**
 * Registry metadata of one EVM chain of the world. `rpcUrl` is where it runs; `deployBlock` (the
 * core deployment block) becomes `index.from`, where agents start scanning logs.
 */
export function evmChainMetadata(chain: WorldChain, rpcUrl: string, deployBlock: number): RegistryMetadata {
  const wsUrl = rpcUrl.replace(/^http/, 'ws');
  return {
    name: chain.name,
    displayName: chain.displayName,
    chainId: chain.chainId,
    domainId: chain.domain,
    protocol: 'ethereum',
    technicalStack: chain.technicalStack,
    isTestnet: true,
    rpcUrls: [{ http: rpcUrl, webSocket: wsUrl }],
    nativeToken: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    blocks: {
      confirmations: 1,
      reorgPeriod: chain.fastReorgPeriod,
      estimateBlockTime: chain.blockTimeS,
    },
    index: { from: deployBlock },
  };
}

/** Registry metadata of the hub (protocol `cosmos`; no gRPC endpoint, hence an empty `grpcUrls`). */
export function hubChainMetadata(hubUrl: string, chainId: string, domain: number): RegistryMetadata {
  return {
    name: 'unimarginhub',
    displayName: 'unimargin hub (devnet)',
    chainId,
    domainId: domain,
    protocol: 'cosmos',
    isTestnet: true,
    bech32Prefix: 'umg',
    // The hub derives accounts from m/44'/60' keys (one key, both worlds): coin type 60.
    slip44: 60,
    rpcUrls: [{ http: hubUrl, webSocket: `${hubUrl.replace(/^http/, 'ws')}/websocket` }],
    restUrls: [{ http: hubUrl }],
    grpcUrls: [],
    nativeToken: { name: 'unimargin fee token', symbol: 'UMG', decimals: 6, denom: 'uumg' },
    gasPrice: { denom: 'uumg', amount: '0' },
    blocks: { confirmations: 1, reorgPeriod: 0, estimateBlockTime: 0.5 },
  };
}

// A YAML scalar: plain when it cannot be misread, else a JSON (double-quoted) string, which YAML 1.2 reads back.
function yamlScalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  const plain =
    /^[A-Za-z_/.][A-Za-z0-9_ ./()-]*$/.test(v) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(v) &&
    !v.endsWith(' ') &&
    !v.includes(': ') &&
    !v.includes(' #');
  return plain ? v : JSON.stringify(v);
}

/**
 * Serialises a JSON value as block-style YAML (maps and sequences, scalars plain when unambiguous,
 * otherwise double-quoted). Enough for registry files; not a general YAML emitter.
 */
export function toYaml(v: JsonValue, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]\n';
    return v
      .map((item) => {
        if (isObj(item) || Array.isArray(item)) {
          const body = toYaml(item, `${indent}  `);
          return `${indent}- ${body.slice(indent.length + 2)}`;
        }
        return `${indent}- ${yamlScalar(item as string)}\n`;
      })
      .join('');
  }
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}\n';
    return keys
      .map((k) => {
        const val = v[k] as JsonValue;
        if ((Array.isArray(val) && val.length > 0) || (isObj(val) && Object.keys(val).length > 0)) {
          const child = Array.isArray(val) ? toYaml(val, indent) : toYaml(val, `${indent}  `);
          return `${indent}${k}:\n${child}`;
        }
        if (Array.isArray(val) || isObj(val)) return `${indent}${k}: ${toYaml(val)}`;
        return `${indent}${k}: ${yamlScalar(val)}\n`;
      })
      .join('');
  }
  return `${yamlScalar(v)}\n`;
}

/** One chain's registry entry. */
export interface RegistryEntry {
  readonly metadata: RegistryMetadata;
  /** Registry `addresses.yaml`: contract name → address (strings only, as the registry schema). */
  readonly addresses: Readonly<Record<string, string>>;
}

const HEADER =
  '# Hyperlane registry format (schema: hyperlane-monorepo typescript/sdk/src/metadata/chainMetadataTypes.ts)\n';

/**
 * Validates and writes `<dir>/chains/<name>/metadata.{yaml,json}` and `addresses.{yaml,json}` for
 * every entry. Throws `DEVNET_METADATA_INVALID` before writing anything if one entry is invalid.
 */
export function writeRegistry(dir: string, entries: readonly RegistryEntry[]): void {
  for (const e of entries) assertChainMetadata(e.metadata, `chains/${String(e.metadata.name)}/metadata`);
  for (const e of entries) {
    const d = join(dir, 'chains', String(e.metadata.name));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'metadata.yaml'), `${HEADER}${toYaml(e.metadata)}`);
    writeFileSync(join(d, 'metadata.json'), `${JSON.stringify(e.metadata, null, 2)}\n`);
    writeFileSync(join(d, 'addresses.yaml'), `${HEADER}${toYaml({ ...e.addresses })}`);
    writeFileSync(join(d, 'addresses.json'), `${JSON.stringify(e.addresses, null, 2)}\n`);
  }
}

/**
 * Chain metadata in Hyperlane's registry format (`chains/<name>/metadata.yaml` and
 * `addresses.yaml`, here as JSON): what the agents are configured with. Field names follow the
 * registry's `ChainMetadata` schema (`name`, `chainId`, `domainId`, `protocol`, `rpcUrls[].http`,
 * `blocks.{confirmations, reorgPeriod, estimateBlockTime}`) and its core address list (`mailbox`,
 * `merkleTreeHook`, `validatorAnnounce`, …). The hub is described the same way with
 * `protocol: "cosmos"`, its RPC in `rpcUrls` and its REST in `restUrls`; its "addresses" are the
 * 32-byte words its checkpoints and messages name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './atomicFile.ts';
import { AgentError } from './errors.ts';

/** Hyperlane's protocol families we handle: EVM chains, and the hub (a Cosmos-format chain). */
export type ChainProtocol = 'ethereum' | 'cosmos';

/** How deep a validator reads: a block count behind the tip, or a block tag (`finalized`, `safe`). */
export type ReorgPeriod = number | 'finalized' | 'safe';

/** Registry `ChainMetadata` (the subset the agents read; other fields are kept and ignored). */
export interface ChainMetadata {
  /** Registry name (lowercase, `[a-z0-9]+`). */
  readonly name: string;
  /** EVM chain id (number) or Cosmos chain id (string). */
  readonly chainId: number | string;
  /** Hyperlane domain id (u32). */
  readonly domainId: number;
  readonly protocol: ChainProtocol;
  /** JSON-RPC endpoints (EVM) or CometBFT RPC endpoints (hub); the first is used. */
  readonly rpcUrls: readonly { readonly http: string }[];
  /** REST endpoints (hub only; `/v1` routes). */
  readonly restUrls?: readonly { readonly http: string }[];
  readonly blocks?: {
    /** Blocks a relayer waits before acting on a tx it sent (registry default 1). */
    readonly confirmations?: number;
    /** The validators' signing depth: blocks behind the tip, or a tag. */
    readonly reorgPeriod?: ReorgPeriod;
    /** Seconds per block (for polling intervals). */
    readonly estimateBlockTime?: number;
  };
  /** Registry extras (display name, native token, explorers…), carried unchanged. */
  readonly [extra: string]: unknown;
}

/** Registry `addresses.yaml` of a chain: core contracts (EVM addresses or, on the hub, bytes32 words). */
export interface ChainAddresses {
  readonly mailbox: string;
  readonly merkleTreeHook: string;
  readonly validatorAnnounce?: string;
  readonly interchainSecurityModule?: string;
  readonly proxyAdmin?: string;
  /** First block worth scanning for logs (our deployments record it; the registry has `index.from`). */
  readonly deployedAtBlock?: number;
  readonly [extra: string]: unknown;
}

/** One chain as the agents see it. */
export interface AgentChain {
  readonly metadata: ChainMetadata;
  readonly addresses: ChainAddresses;
}

function bad(field: string, value: unknown, limit: string): AgentError {
  return new AgentError(
    'AGENT_CONFIG_INVALID',
    `${field} = ${JSON.stringify(value)?.slice(0, 80)} is invalid: expected ${limit}`,
    { field, value: String(JSON.stringify(value)).slice(0, 80), limit },
  );
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_WORD = /^0x[0-9a-fA-F]{64}$/;

/** Validates a parsed `metadata` object. Throws `AGENT_CONFIG_INVALID` naming the field. */
export function parseChainMetadata(raw: unknown, where = 'metadata'): ChainMetadata {
  if (typeof raw !== 'object' || raw === null) throw bad(where, raw, 'an object');
  const m = raw as Record<string, unknown>;
  if (typeof m.name !== 'string' || !/^[a-z0-9]+$/.test(m.name))
    throw bad(`${where}.name`, m.name, '[a-z0-9]+');
  if (
    !(typeof m.chainId === 'number' && Number.isInteger(m.chainId) && m.chainId > 0) &&
    !(typeof m.chainId === 'string' && m.chainId.length > 0)
  ) {
    throw bad(`${where}.chainId`, m.chainId, 'a positive integer or a non-empty string');
  }
  if (
    typeof m.domainId !== 'number' ||
    !Number.isInteger(m.domainId) ||
    m.domainId < 0 ||
    m.domainId > 0xffffffff
  ) {
    throw bad(`${where}.domainId`, m.domainId, 'a u32');
  }
  if (m.protocol !== 'ethereum' && m.protocol !== 'cosmos') {
    throw bad(`${where}.protocol`, m.protocol, '"ethereum" or "cosmos"');
  }
  const urls = (k: string, required: boolean) => {
    const v = m[k];
    if (v === undefined && !required) return;
    if (!Array.isArray(v) || v.length === 0) throw bad(`${where}.${k}`, v, 'a non-empty list of {http}');
    v.forEach((u, i) => {
      if (typeof u !== 'object' || u === null || typeof (u as { http?: unknown }).http !== 'string') {
        throw bad(`${where}.${k}[${i}]`, u, '{ "http": "<url>" }');
      }
      try {
        new URL((u as { http: string }).http);
      } catch {
        throw bad(`${where}.${k}[${i}].http`, (u as { http: string }).http, 'a URL');
      }
    });
  };
  urls('rpcUrls', true);
  urls('restUrls', false);
  if (m.blocks !== undefined) {
    if (typeof m.blocks !== 'object' || m.blocks === null)
      throw bad(`${where}.blocks`, m.blocks, 'an object');
    const b = m.blocks as Record<string, unknown>;
    if (b.confirmations !== undefined && (typeof b.confirmations !== 'number' || b.confirmations < 0)) {
      throw bad(`${where}.blocks.confirmations`, b.confirmations, 'a non-negative number');
    }
    const rp = b.reorgPeriod;
    if (
      rp !== undefined &&
      !(typeof rp === 'number' && Number.isInteger(rp) && rp >= 0) &&
      rp !== 'finalized' &&
      rp !== 'safe'
    ) {
      throw bad(`${where}.blocks.reorgPeriod`, rp, 'a block count ≥ 0, "finalized" or "safe"');
    }
    if (
      b.estimateBlockTime !== undefined &&
      (typeof b.estimateBlockTime !== 'number' || b.estimateBlockTime <= 0)
    ) {
      throw bad(`${where}.blocks.estimateBlockTime`, b.estimateBlockTime, 'seconds > 0');
    }
  }
  return m as unknown as ChainMetadata;
}

/** Validates a parsed `addresses` object for a chain of `protocol`. Throws `AGENT_CONFIG_INVALID`. */
export function parseChainAddresses(
  raw: unknown,
  protocol: ChainProtocol,
  where = 'addresses',
): ChainAddresses {
  if (typeof raw !== 'object' || raw === null) throw bad(where, raw, 'an object');
  const a = raw as Record<string, unknown>;
  const shape = protocol === 'ethereum' ? HEX_ADDRESS : HEX_WORD;
  const what = protocol === 'ethereum' ? 'a 20-byte 0x address' : 'a 32-byte 0x word';
  for (const k of ['mailbox', 'merkleTreeHook'] as const) {
    if (typeof a[k] !== 'string' || !shape.test(a[k] as string)) throw bad(`${where}.${k}`, a[k], what);
  }
  for (const k of ['validatorAnnounce', 'interchainSecurityModule'] as const) {
    if (a[k] !== undefined && (typeof a[k] !== 'string' || !HEX_ADDRESS.test(a[k] as string))) {
      throw bad(`${where}.${k}`, a[k], 'a 20-byte 0x address');
    }
  }
  if (a.deployedAtBlock !== undefined && (typeof a.deployedAtBlock !== 'number' || a.deployedAtBlock < 0)) {
    throw bad(`${where}.deployedAtBlock`, a.deployedAtBlock, 'a block number ≥ 0');
  }
  return a as unknown as ChainAddresses;
}

/**
 * Loads one chain from a registry directory laid out like Hyperlane's registry:
 * `<registry>/chains/<name>/metadata.json` and `addresses.json`.
 */
export function loadAgentChain(registryDir: string, name: string): AgentChain {
  const dir = join(registryDir, 'chains', name);
  const meta = readJsonFile(join(dir, 'metadata.json'));
  if (meta === undefined) throw bad(`${dir}/metadata.json`, 'missing', 'a registry metadata file');
  const metadata = parseChainMetadata(meta, `${name}.metadata`);
  const addr = readJsonFile(join(dir, 'addresses.json'));
  if (addr === undefined) throw bad(`${dir}/addresses.json`, 'missing', 'a registry addresses file');
  return { metadata, addresses: parseChainAddresses(addr, metadata.protocol, `${name}.addresses`) };
}

/** Loads an agent chain from one JSON file `{ "metadata": {...}, "addresses": {...} }`. */
export function loadAgentChainFile(path: string): AgentChain {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { metadata?: unknown; addresses?: unknown };
  const metadata = parseChainMetadata(raw.metadata, `${path}:metadata`);
  return { metadata, addresses: parseChainAddresses(raw.addresses, metadata.protocol, `${path}:addresses`) };
}

/** The chain's signing depth (registry `blocks.reorgPeriod`, default 0 blocks). */
export function reorgPeriodOf(chain: AgentChain): ReorgPeriod {
  return chain.metadata.blocks?.reorgPeriod ?? 0;
}

/** The first RPC URL. */
export function rpcUrlOf(chain: AgentChain): string {
  return chain.metadata.rpcUrls[0]!.http;
}

/** The first REST URL, else the RPC URL (our hub serves both on one port). */
export function restUrlOf(chain: AgentChain): string {
  return (chain.metadata.restUrls?.[0] ?? chain.metadata.rpcUrls[0]!).http.replace(/\/$/, '');
}

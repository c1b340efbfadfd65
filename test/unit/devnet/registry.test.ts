/**
 * Registry metadata: the schema validator on named fixtures (valid chains of each protocol, and one
 * violation per rule of the registry's `ChainMetadataSchema`), the YAML writer read back by an
 * independent YAML parser (`yaml`, the parser @hyperlane-xyz/utils uses), and the committed
 * `devnet/chains/<name>/metadata.{yaml,json}` equal to what the world config generates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  evmChainMetadata,
  hubChainMetadata,
  type JsonValue,
  toYaml,
  validateChainMetadata,
} from '../../../devnet/registry.ts';
import { DEVNET_WORLD } from '../../../devnet/world.ts';

const eth = DEVNET_WORLD.chains[0]!;
const arb = DEVNET_WORLD.chains.find((c) => c.technicalStack === 'arbitrumnitro')!;
const validEvm = evmChainMetadata(eth, 'http://127.0.0.1:8545', 1);
const validHub = hubChainMetadata('http://127.0.0.1:26657', 'unimargin-devnet-1', 0x554d5247);

const invalid: [string, Record<string, unknown>, string][] = [
  ['name with a capital', { ...validEvm, name: 'EthDev' }, 'name'],
  ['name starting with a digit', { ...validEvm, name: '1eth' }, 'name'],
  ['string chain id on ethereum', { ...validEvm, chainId: '31001' }, 'chainId'],
  ['zero domain id', { ...validEvm, domainId: 0 }, 'domainId'],
  ['unknown protocol', { ...validEvm, protocol: 'solana' }, 'protocol'],
  ['no rpc urls', { ...validEvm, rpcUrls: [] }, 'rpcUrls'],
  ['rpc url not a url', { ...validEvm, rpcUrls: [{ http: 'localhost' }] }, 'rpcUrls[0].http'],
  ['blocks without confirmations', { ...validEvm, blocks: { reorgPeriod: 2 } }, 'blocks.confirmations'],
  [
    'negative block time',
    { ...validEvm, blocks: { confirmations: 1, estimateBlockTime: -1 } },
    'blocks.estimateBlockTime',
  ],
  [
    'native token decimals 256',
    { ...validEvm, nativeToken: { name: 'E', symbol: 'E', decimals: 256 } },
    'nativeToken.decimals',
  ],
  ['unknown technical stack', { ...validEvm, technicalStack: 'zkevm' }, 'technicalStack'],
  [
    'arbitrum nitro without index.from',
    { ...evmChainMetadata(arb, 'http://127.0.0.1:8547', 0), index: {} },
    'index.from',
  ],
  ['numeric chain id on cosmos', { ...validHub, chainId: 5 }, 'chainId'],
  ['cosmos without bech32Prefix', { ...validHub, bech32Prefix: undefined }, 'bech32Prefix'],
  ['cosmos without grpcUrls', { ...validHub, grpcUrls: undefined }, 'restUrls'],
  [
    'cosmos native token without denom',
    { ...validHub, nativeToken: { name: 'U', symbol: 'U', decimals: 6 } },
    'nativeToken.denom',
  ],
];

describe('validateChainMetadata', () => {
  it('accepts the devnet chains and the hub', () => {
    for (const c of DEVNET_WORLD.chains) {
      expect(validateChainMetadata(evmChainMetadata(c, 'http://127.0.0.1:1', 3)), c.name).toEqual([]);
    }
    expect(validateChainMetadata(validHub)).toEqual([]);
  });
  for (const [name, m, path] of invalid) {
    it(`rejects: ${name}`, () => {
      const issues = validateChainMetadata(JSON.parse(JSON.stringify(m)));
      expect(
        issues.map((i) => i.path),
        name,
      ).toContain(path);
    });
  }
  it('passes unknown fields through (the schema is passthrough)', () => {
    expect(validateChainMetadata({ ...validEvm, mailbox: '0xabc', custom: { x: 1 } })).toEqual([]);
  });
});

describe('toYaml', () => {
  const cases: [string, JsonValue][] = [
    ['evm metadata', validEvm],
    ['hub metadata', validHub],
    [
      'awkward strings',
      {
        colon: 'a: b',
        hash: 'x #y',
        yes: 'yes',
        nul: 'null',
        num: '0123',
        quote: 'say "hi"',
        lead: ' space',
        emptyArr: [],
        emptyObj: {},
        nested: [[1, 2], [{ a: [true, false, null] }]],
        neg: -1.5,
        unicode: 'Ethereum-like L1 — devnet',
      },
    ],
  ];
  for (const [name, v] of cases) {
    it(`round-trips through an independent YAML parser: ${name}`, () => {
      expect(parseYaml(toYaml(v))).toEqual(v);
    });
  }
});

describe('committed devnet/chains metadata', () => {
  const dir = new URL('../../../devnet/chains/', import.meta.url).pathname;
  const expected: [string, Record<string, unknown>][] = [
    ...DEVNET_WORLD.chains.map((c): [string, Record<string, unknown>] => [
      c.name,
      evmChainMetadata(c, `http://127.0.0.1:${c.defaultPort}`, 0),
    ]),
    ['unimarginhub', hubChainMetadata('http://127.0.0.1:26657', 'unimargin-devnet-1', 0x554d5247)],
  ];
  for (const [name, m] of expected) {
    it(`${name}: yaml and json equal the world config and validate`, async () => {
      const json = JSON.parse(readFileSync(join(dir, name, 'metadata.json'), 'utf8'));
      const yaml = parseYaml(readFileSync(join(dir, name, 'metadata.yaml'), 'utf8'));
      expect(json).toEqual(m);
      expect(yaml).toEqual(m);
      expect(validateChainMetadata(json)).toEqual([]);
      // The SDK's own zod schema too, when @hyperlane-xyz/sdk happens to be installed (it is not a
      // dependency: ≈ 1.3 GB). The specifier is a variable so nothing resolves it when absent.
      const sdkName = '@hyperlane-xyz/sdk';
      const sdk = (await import(/* @vite-ignore */ sdkName).catch(() => undefined)) as
        | { ChainMetadataSchema: { safeParse(x: unknown): { success: boolean } } }
        | undefined;
      if (sdk !== undefined)
        expect(sdk.ChainMetadataSchema.safeParse(json).success, `${name} (sdk)`).toBe(true);
    });
  }
});

/**
 * Bridge config validation (named bad configs, one row each, each naming its field), the JSON
 * round trip through genesis.json, and the tables that are consensus: the hyperlane sub-table
 * bytes, the two PREFIX additions, and every BridgeError code's receipt number (index + 2).
 */
import { keccak256, stringToHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { BRIDGE_ERROR_CODES, bytesToHex } from '../../../bridge/index.ts';
import {
  type BridgeConfig,
  bech32FromBytes,
  bridgeConfigFromJson,
  bridgeConfigToJson,
  ChainError,
  ERROR_TABLE,
  genesisToJson,
  HL,
  HUB_RECIPIENT,
  HUB_SENDER,
  HUB_TREE_HOOK,
  isChainError,
  PREFIX,
  parseGenesis,
  validateBridgeConfig,
} from '../../../chain/index.ts';
import { fixtureBridge } from './fixtures.ts';

function fieldOf(c: BridgeConfig): string {
  try {
    validateBridgeConfig(c);
  } catch (e) {
    if (isChainError(e, 'HUB_CONFIG_INVALID')) return String(e.meta.field);
    throw e;
  }
  return 'OK';
}

const edit = (f: (c: BridgeConfig) => void): BridgeConfig => {
  const c = fixtureBridge();
  f(c);
  return c;
};

describe('bridge config', () => {
  it('rejects each bad config naming its field (table)', () => {
    const rows: [string, BridgeConfig, string][] = [
      ['valid', fixtureBridge(), 'OK'],
      [
        'hub domain',
        edit((c) => {
          c.hubDomain = 1;
        }),
        'bridge.hub_domain',
      ],
      [
        'origin is the hub',
        edit((c) => {
          c.origins[1]!.domain = 0x554d5247;
        }),
        'bridge.origins[1].domain',
      ],
      [
        'duplicate origin',
        edit((c) => {
          c.origins[1]!.domain = c.origins[0]!.domain;
        }),
        'bridge.origins[1].domain',
      ],
      [
        'duplicate name',
        edit((c) => {
          c.origins[1]!.name = c.origins[0]!.name;
        }),
        'bridge.origins[1].name',
      ],
      [
        'overlapping fast and final sets',
        edit((c) => {
          c.origins[0]!.finalIsm!.validators[2] = c.origins[0]!.fastIsm!.validators[0]!;
        }),
        'bridge.origins[0].final_ism.validators',
      ],
      [
        'threshold 0',
        edit((c) => {
          c.origins[0]!.fastIsm!.threshold = 0;
        }),
        'bridge.origins[0].fast_ism.threshold',
      ],
      [
        'threshold above n',
        edit((c) => {
          c.origins[0]!.finalIsm!.threshold = 4;
        }),
        'bridge.origins[0].final_ism.threshold',
      ],
      [
        'duplicate validator',
        edit((c) => {
          c.origins[0]!.fastIsm!.validators[1] = c.origins[0]!.fastIsm!.validators[0]!;
        }),
        'bridge.origins[0].fast_ism.validators[1]',
      ],
      [
        'validator length',
        edit((c) => {
          c.origins[0]!.fastIsm!.validators[1] = new Uint8Array(19);
        }),
        'bridge.origins[0].fast_ism.validators[1]',
      ],
      [
        'missing final ISM',
        edit((c) => {
          c.origins[0]!.finalIsm = undefined;
        }),
        'bridge.origins[0].final_ism',
      ],
      [
        'ISM type',
        edit((c) => {
          c.origins[0]!.fastIsm!.moduleType = 3;
        }),
        'bridge.origins[0].fast_ism.module_type',
      ],
      [
        'zero tree hook',
        edit((c) => {
          c.origins[0]!.merkleTreeHook = new Uint8Array(32);
        }),
        'bridge.origins[0].merkle_tree_hook',
      ],
      [
        'short vault',
        edit((c) => {
          c.origins[0]!.vault = new Uint8Array(20);
        }),
        'bridge.origins[0].vault',
      ],
      [
        'vault = adapter',
        edit((c) => {
          c.origins[0]!.adapter = c.origins[0]!.vault;
        }),
        'bridge.origins[0].adapter',
      ],
      [
        'timeout < 2 × finality',
        edit((c) => {
          c.origins[0]!.timeoutMs = 119_999n;
        }),
        'bridge.origins[0].timeout_ms',
      ],
      [
        'zero finality',
        edit((c) => {
          c.origins[0]!.expectedFinalityMs = 0n;
        }),
        'bridge.origins[0].expected_finality_ms',
      ],
      [
        'duplicate token',
        edit((c) => {
          c.origins[0]!.tokens[1]!.token = c.origins[0]!.tokens[0]!.token;
        }),
        'bridge.origins[0].tokens[1].token',
      ],
      [
        'duplicate symbol',
        edit((c) => {
          c.origins[0]!.tokens[1]!.symbol = 'USDC';
        }),
        'bridge.origins[0].tokens[1].symbol',
      ],
      [
        'decimals',
        edit((c) => {
          c.origins[0]!.tokens[0]!.decimals = 37;
        }),
        'bridge.origins[0].tokens[0].decimals',
      ],
    ];
    for (const [name, c, want] of rows) expect(fieldOf(c), name).toBe(want);
  });

  it('round-trips through genesis.json, and genesis refuses a bad bridge section as GENESIS_INVALID', () => {
    const c = fixtureBridge();
    const json = JSON.parse(JSON.stringify(bridgeConfigToJson(c)));
    expect(bridgeConfigFromJson(json)).toEqual(c);
    const base = {
      chain_id: 'unimargin-test-1',
      genesis_time_ms: '1',
      authority: bech32FromBytes(new Uint8Array(20).fill(1)),
      sequencer_pub_key: '02'.repeat(32),
      params: {},
      accounts: [],
    };
    const good = { ...genesisToJson(parseGenesisLoose(base)), bridge: json };
    expect(parseGenesis(good).bridge).toEqual(c);
    const bad = { ...good, bridge: { ...json, origins: [{ ...json.origins[0], vault: '0x1234' }] } };
    try {
      parseGenesis(bad);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ChainError);
      expect((e as ChainError).code).toBe('GENESIS_INVALID');
      expect((e as ChainError).message).toContain('origins[0].vault');
    }
    // A 20-byte EVM address for a word is left-padded like Hyperlane's addressToBytes32.
    const padded = bridgeConfigFromJson({
      ...json,
      origins: [{ ...json.origins[0], vault: `0x${'a2'.repeat(20)}` }],
    });
    expect(bytesToHex(padded.origins[0]!.vault)).toBe(`0x${'00'.repeat(12)}${'a2'.repeat(20)}`);
  });

  it('pins the consensus tables', () => {
    expect(HL).toEqual({
      config: 1,
      inbound: 2,
      finalAttestation: 3,
      origin: 4,
      finalCheckpoint: 5,
      outTree: 6,
      outNode: 7,
      outMessage: 8,
      outById: 9,
      settlement: 10,
      position: 11,
      reorg: 12,
      heldPending: 13,
      settlementSeq: 14,
      holdMarker: 15,
    });
    expect([PREFIX.hyperlane, PREFIX.ledger]).toEqual([8, 9]);
    BRIDGE_ERROR_CODES.forEach((code, i) => {
      expect((ERROR_TABLE.bridge as Record<string, number>)[code], code).toBe(i + 2);
    });
    expect(Object.keys(ERROR_TABLE.bridge)).toHaveLength(BRIDGE_ERROR_CODES.length);
    // The hub identity, recomputed with viem: the words the EVM e2e's hub stand-in deploys with.
    expect(HUB_SENDER).toBe(keccak256(stringToHex('unimargin/hub/outbox')));
    expect(HUB_RECIPIENT).toBe(HUB_SENDER);
    expect(HUB_TREE_HOOK).toBe(keccak256(stringToHex('unimargin/hub/tree')));
  });
});

// genesisToJson needs a Genesis; build the minimal one parseGenesis accepts from the defaults.
function parseGenesisLoose(base: Record<string, unknown>) {
  const params = {
    fee_denom: 'uumg',
    min_gas_price_per_kgas: '0',
    block_gas_limit: '100000000',
    max_tx_bytes: '65536',
    gas_per_tx: '20000',
    gas_per_byte: '10',
    gas_per_signature: '1000',
    gas_per_msg: '10000',
    max_memo_chars: '256',
    max_link_validity_ms: '86400000',
    max_msgs_per_tx: '64',
  };
  return parseGenesis({ ...base, params });
}

/**
 * Governance timelock (chain/governance/README.md, DESIGN "Governance and limits"): security
 * changes go through real signed txs and `applyBlock`, then the end-block step the node runs after
 * each block. A change is not in effect in the state of activation_height − 1 and is in the state
 * of activation_height; cancel, unauthorized and invalid proposals are refused with their codes,
 * the field named, and the state root unchanged. Expected heights are written out by hand; config
 * hashes are recomputed with protobufjs + node:crypto (independent of the hub's codec).
 */
import { createHash } from 'node:crypto';
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci';
import { Any } from 'cosmjs-types/google/protobuf/any';
import protobuf from 'protobufjs';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyGovernanceEndBlock,
  CHANGE_KIND,
  CHANGE_STATUS,
  DEFAULT_TIMELOCK_BLOCKS,
  GOVERNANCE_TYPE_URL,
  governanceJson,
  MAX_PENDING_CHANGES,
  MsgCancelSecurityChangeCodec,
  type MsgProposeSecurityChange,
  MsgProposeSecurityChangeCodec,
  MsgProposeSecurityChangeResponseCodec,
  pendingChangeKey,
  pendingChanges,
  readGovernanceConfig,
  readSecurityChange,
  SecurityChangeCodec,
} from '../../../chain/governance/index.ts';
import {
  type BridgeConfig,
  bech32FromPubKey,
  ERROR_TABLE,
  type Event,
  type Genesis,
  HUB_DOMAIN,
  handlerFor,
  initChain,
  MODULE_TYPE,
  readBridge,
  secp,
  type TxResult,
  toHex,
} from '../../../chain/index.ts';
import { ORACLE_TYPE_URL } from '../../../chain/msgs.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import {
  MsgOracleUpdateCodec,
  MsgUpdateOracleConfigCodec,
  type OracleConfig,
  observationHash,
  readOracleConfig,
  readPrice,
} from '../../../chain/oracle/index.ts';
import { applyBlock } from '../../../chain/stf/applyBlock.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import type { StateView } from '../../../state/types.ts';
import { signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const NOW = 1_800_000_000_000n;
const E18 = 10n ** 18n;
const TIMELOCK = 10n; // the devnet default, written out (not read from the code)

// ---- fixtures ----------------------------------------------------------------------------------

const addr = (n: number) => new Uint8Array(20).fill(n);
const word = (n: number) => {
  const w = new Uint8Array(32);
  w.fill(n, 12);
  return w;
};
/** A bridge config with one origin; `v` varies the fast ISM and the vault so two configs differ. */
function bridge(v: { fastThreshold?: number; vault?: number; fastValidators?: number[] } = {}): BridgeConfig {
  return {
    hubDomain: HUB_DOMAIN,
    origins: [
      {
        domain: 31337,
        name: 'chain-a',
        fastIsm: {
          moduleType: MODULE_TYPE.MESSAGE_ID_MULTISIG,
          validators: (v.fastValidators ?? [11, 12, 13]).map(addr),
          threshold: v.fastThreshold ?? 2,
        },
        finalIsm: {
          moduleType: MODULE_TYPE.MESSAGE_ID_MULTISIG,
          validators: [21, 22, 23].map(addr),
          threshold: 2,
        },
        merkleTreeHook: word(0xa1),
        vault: word(v.vault ?? 0xa2),
        adapter: word(0xa3),
        expectedFinalityMs: 60_000n,
        timeoutMs: 180_000n,
        tokens: [{ token: addr(0xc1), decimals: 6, symbol: 'USDC' }],
      },
    ],
  };
}

const ORACLE_KEYS = [50, 51, 52, 53, 54, 55].map(devnetPrivateKey);
const ORACLE_ACCOUNTS = ORACLE_KEYS.map((k) => privateKeyToAccount(`0x${toHex(k)}` as Hex));
const oracleAddr = (i: number) => Buffer.from(ORACLE_ACCOUNTS[i]!.address.slice(2), 'hex');
/** An oracle config whose committee is signers `idx` (k = 2, super-majority = committee size). */
function oracle(idx: number[], patch: Partial<OracleConfig> = {}): OracleConfig {
  return {
    signers: idx.map(oracleAddr),
    minObservations: 2,
    superMajority: idx.length,
    windowMs: 10_000n,
    maxJumpPpm: 100_000n,
    staleWithdrawalsMs: 60_000n,
    staleLiquidationsMs: 300_000n,
    liquidationGraceMs: 120_000n,
    ...patch,
  };
}

// protobufjs, an independent encoder, for the config hashes the events must carry.
const root = new protobuf.Root();
root.resolvePath = (_o, target) => new URL(`../../../chain/proto/${target}`, import.meta.url).pathname;
root.loadSync(['unimargin/v1/governance.proto'], { keepCase: false });
const long = (n: bigint) =>
  (protobuf.util.Long as unknown as { fromString(s: string, u: boolean): unknown }).fromString(
    n.toString(),
    true,
  );
function oracleHash(c: OracleConfig): string {
  const t = root.lookupType('unimargin.v1.OracleConfig');
  const bytes = t
    .encode(
      t.fromObject({
        signers: c.signers,
        minObservations: c.minObservations,
        superMajority: c.superMajority,
        windowMs: long(c.windowMs),
        maxJumpPpm: long(c.maxJumpPpm),
        staleWithdrawalsMs: long(c.staleWithdrawalsMs),
        staleLiquidationsMs: long(c.staleLiquidationsMs),
        liquidationGraceMs: long(c.liquidationGraceMs),
      }),
    )
    .finish();
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

// ---- a chain driven block by block ---------------------------------------------------------------

let store: HubStore;
let view: StateView;
let genesis: Genesis;
let height: bigint;
const seq = new Map<number, bigint>();
let endEvents: Event[][];

const strangerKey = devnetPrivateKey(1);
const strangerAddr = bech32FromPubKey(secp.publicKeyCreate(strangerKey, true));

beforeEach(async () => {
  store = await HubStore.open(new MemoryKv());
  view = store.view();
  genesis = {
    ...devnetGenesis(generateSequencerKey().publicKey, { accounts: 3, genesisTimeMs: NOW }),
    bridge: bridge(),
  };
  initChain(view, genesis);
  height = 1n;
  seq.clear();
  endEvents = [];
});

/** Applies block `height` with one tx per entry ([account index, msgs]), then the end-block step. */
function block(txs: [number, Any[]][] = []): TxResult[] {
  const raw = txs.map(([who, msgs]) => {
    const s = seq.get(who) ?? 0n;
    seq.set(who, s + 1n);
    return signTx({
      privKey: devnetPrivateKey(who),
      accountNumber: BigInt(who),
      sequence: s,
      chainId: CHAIN,
      msgs,
    });
  });
  const timeMs = NOW + height * 1000n;
  const r = applyBlock(view, { height, timeMs, txs: raw }, { chainId: CHAIN, authority: genesis.authority });
  if (!r.ok) throw new Error(`block ${height} invalid: ${r.error.message}`);
  // The STF's end-block runs the governance step once it is wired into applyBlock (its events come
  // back as `endBlockEvents`); calling it again here is a no-op then, and the step itself before.
  const wired = (r as { endBlockEvents?: Event[] }).endBlockEvents ?? [];
  const events: Event[] = wired.filter((e) => e.type.startsWith('governance.'));
  applyGovernanceEndBlock(view, { height, timeMs, events });
  endEvents.push(events);
  height++;
  return r.results;
}
/** Runs empty blocks up to and including `h`. */
function runTo(h: bigint): void {
  while (height <= h) block();
}

const proposeAny = (m: Partial<MsgProposeSecurityChange>) =>
  Any.fromPartial({
    typeUrl: GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
    value: MsgProposeSecurityChangeCodec.toBytes(
      MsgProposeSecurityChangeCodec.fromPartial({ authority: genesis.authority, ...m }),
    ),
  });
const cancelAny = (id: bigint, authority = genesis.authority) =>
  Any.fromPartial({
    typeUrl: GOVERNANCE_TYPE_URL.MsgCancelSecurityChange,
    value: MsgCancelSecurityChangeCodec.toBytes({ authority, id }),
  });
const oracleConfigAny = (config: OracleConfig) =>
  Any.fromPartial({
    typeUrl: ORACLE_TYPE_URL.MsgUpdateOracleConfig,
    value: MsgUpdateOracleConfigCodec.toBytes({ authority: genesis.authority, config }),
  });

function proposalResponse(r: TxResult) {
  const data = TxMsgData.decode(r.data);
  return MsgProposeSecurityChangeResponseCodec.decode(data.msgResponses[0]!.value);
}
const attr = (e: Event | undefined, key: string) => e?.attributes.find((a) => a.key === key)?.value;
const vaultNow = () => readBridge(view)!.config.origins[0]!.vault[31];

// ---- tests -----------------------------------------------------------------------------------

describe('timelock', () => {
  it('the devnet default is 10 blocks', () => {
    expect(DEFAULT_TIMELOCK_BLOCKS).toBe(TIMELOCK);
    expect(readGovernanceConfig(view).paramsTimelockBlocks).toBe(TIMELOCK);
  });

  it('a bridge change is not in effect at activation_height − 1 and is at activation_height', () => {
    runTo(4n);
    const [r] = block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0xee, fastThreshold: 3 }) })]]]); // height 5
    expect(r!.code, r!.log).toBe(0);
    expect(proposalResponse(r!)).toEqual({ id: 1n, activationHeight: 15n });
    const proposed = r!.events.find((e) => e.type === 'governance.proposed');
    expect(attr(proposed, 'activation_height')).toBe('15');
    expect(attr(proposed, 'kind')).toBe('bridge');

    runTo(14n);
    expect(vaultNow(), 'state of height 14').toBe(0xa2);
    expect(readBridge(view)!.origins.get(31337)!.fast.threshold).toBe(2);
    expect(pendingChanges(view).map((p) => p.id)).toEqual([1n]);

    block(); // height 15
    expect(vaultNow(), 'state of height 15').toBe(0xee);
    expect(readBridge(view)!.origins.get(31337)!.fast.threshold).toBe(3);
    expect(endEvents[14]!.map((e) => e.type)).toEqual(['governance.activated']);
    expect(attr(endEvents[14]![0], 'id')).toBe('1');
    expect(pendingChanges(view)).toEqual([]);
    const closed = readSecurityChange(view, 1n)!;
    expect(closed.status).toBe(CHANGE_STATUS.ACTIVATED);
    expect(closed.closedHeight).toBe(15n);
    expect(closed.config.length).toBe(0);
  });

  it('an oracle committee change takes effect at activation_height: the new signer counts from the next block only', async () => {
    block([[0, [oracleConfigAny(oracle([0, 1, 2]))]]]); // height 1: first committee, immediate
    expect(readOracleConfig(view)!.signers.length).toBe(3);
    const next = oracle([3, 4, 5]);
    const [r] = block([[0, [proposeAny({ oracleConfig: next })]]]); // height 2
    expect(proposalResponse(r!)).toEqual({ id: 1n, activationHeight: 12n });
    expect(
      attr(
        r!.events.find((e) => e.type === 'governance.proposed'),
        'config_hash',
      ),
    ).toBe(oracleHash(next));

    const update = async (h: bigint, signers: number[]) => {
      const t = NOW + h * 1000n;
      const observations = await Promise.all(
        signers.map(async (i) => {
          const hash = toHex(observationHash(CHAIN, 'ETH/USD', (3000n + h) * E18, E18, t));
          const sig = await ORACLE_ACCOUNTS[i]!.signMessage({ message: { raw: `0x${hash}` } });
          return {
            feed: 'ETH/USD',
            value: ((3000n + h) * E18).toString(),
            confidence: E18.toString(),
            timestampMs: t,
            signature: Buffer.from(sig.slice(2), 'hex'),
          };
        }),
      );
      return Any.fromPartial({
        typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
        value: MsgOracleUpdateCodec.toBytes({ submitter: strangerAddr, observations }),
      });
    };
    runTo(11n);
    // Block 12 (the activation height): its txs still run under the old committee.
    const [old12] = block([[1, [await update(12n, [3, 4])]]]);
    expect(old12!.code).toBe(ERROR_TABLE.oracle.ORACLE_UNKNOWN_SIGNER);
    expect(readOracleConfig(view)!.signers.map((s) => toHex(s))).toEqual(next.signers.map((s) => toHex(s)));
    expect(attr(endEvents[11]![0], 'config_hash')).toBe(oracleHash(next));
    // Block 13: the state committed at 12 holds the new committee.
    const [new13] = block([[1, [await update(13n, [3, 4])]]]);
    expect(new13!.code, new13!.log).toBe(0);
    expect(readPrice(view, 'ETH/USD')!.value).toBe((3013n * E18).toString());
    const [old13] = block([[1, [await update(14n, [0, 1])]]]);
    expect(old13!.code).toBe(ERROR_TABLE.oracle.ORACLE_UNKNOWN_SIGNER);
  });

  it('activates every due change in id order in one end-block (the later proposal wins)', () => {
    const [r] = block([
      [
        0,
        [
          proposeAny({ oracleConfig: oracle([0, 1, 2]) }),
          proposeAny({ oracleConfig: oracle([0, 1, 2, 3]) }),
          proposeAny({ bridgeConfig: bridge({ vault: 0x77 }) }),
        ],
      ],
    ]);
    expect(r!.code, r!.log).toBe(0);
    expect(pendingChanges(view).map((p) => [p.id, p.kind, p.activationHeight])).toEqual([
      [1n, 'oracle', 11n],
      [2n, 'oracle', 11n],
      [3n, 'bridge', 11n],
    ]);
    runTo(11n);
    expect(endEvents[10]!.map((e) => attr(e, 'id'))).toEqual(['1', '2', '3']);
    expect(readOracleConfig(view)!.signers.length).toBe(4);
    expect(vaultNow()).toBe(0x77);
  });

  it('a new timelock is itself timelocked and applies to later proposals only', () => {
    const [a] = block([[0, [proposeAny({ governanceConfig: { paramsTimelockBlocks: 3n } })]]]); // h1 → 11
    const [b] = block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x55 }) })]]]); // h2 → 12 (old lock)
    expect(proposalResponse(a!).activationHeight).toBe(11n);
    expect(proposalResponse(b!).activationHeight).toBe(12n);
    runTo(10n);
    expect(readGovernanceConfig(view).paramsTimelockBlocks).toBe(10n);
    block(); // 11
    expect(readGovernanceConfig(view).paramsTimelockBlocks).toBe(3n);
    const [c] = block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x66 }) })]]]); // h12 → 15
    expect(proposalResponse(c!).activationHeight).toBe(15n);
    expect(vaultNow(), 'id 2 activated at 12').toBe(0x55);
    runTo(14n);
    expect(vaultNow()).toBe(0x55);
    block(); // 15
    expect(vaultNow()).toBe(0x66);
  });
});

describe('cancel', () => {
  it('drops a pending change: it never takes effect; a second cancel and a cancel of an activated or unknown id are refused', () => {
    block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x99 }) })]]]); // id 1 at h1 → 11
    block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x98 }) })]]]); // id 2 at h2 → 12
    runTo(4n);
    const [c] = block([[0, [cancelAny(1n)]]]); // h5
    expect(c!.code, c!.log).toBe(0);
    const ev = c!.events.find((e) => e.type === 'governance.cancelled');
    expect(attr(ev, 'id')).toBe('1');
    expect(pendingChanges(view).map((p) => p.id)).toEqual([2n]);
    runTo(11n);
    expect(vaultNow(), 'cancelled id 1 never applied').toBe(0xa2);
    expect(endEvents[10]).toEqual([]);
    block(); // 12
    expect(vaultNow()).toBe(0x98);

    const cases: [bigint, number, string][] = [
      [1n, ERROR_TABLE.governance.GOV_CHANGE_CANCELLED, 'cancelled at height 5'],
      [2n, ERROR_TABLE.governance.GOV_CHANGE_ACTIVATED, 'took effect at height 12'],
      [3n, ERROR_TABLE.governance.GOV_CHANGE_UNKNOWN, 'proposed ids are 1 to 2'],
      [0n, ERROR_TABLE.governance.GOV_CHANGE_UNKNOWN, 'id 0 was never proposed'],
    ];
    for (const [id, code, text] of cases) {
      const [r] = block([[0, [cancelAny(id)]]]);
      expect(r!.code, `cancel ${id}: ${r!.log}`).toBe(code);
      expect(r!.codespace).toBe('governance');
      expect(r!.log).toContain(text);
    }
  });

  it('a cancel in the activation block itself wins (its txs run before the end-block)', () => {
    block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x99 }) })]]]); // → 11
    runTo(10n);
    const [c] = block([[0, [cancelAny(1n)]]]); // h11
    expect(c!.code, c!.log).toBe(0);
    expect(vaultNow()).toBe(0xa2);
    expect(readSecurityChange(view, 1n)!.status).toBe(CHANGE_STATUS.CANCELLED);
  });
});

describe('refusals change nothing', () => {
  const authCtx = () => ({
    chainId: CHAIN,
    height,
    timeMs: NOW,
    authority: genesis.authority,
    signer: new Uint8Array(20),
  });
  /** Applies one message through the registry; returns the error code and log, and checks the root stayed. */
  function refused(typeUrl: string, value: Uint8Array, ctx = authCtx()) {
    const h = handlerFor(typeUrl)!;
    const before = toHex(store.computeRoot(view.changes()));
    let err: { code: string; message: string; meta: Record<string, unknown> } | undefined;
    try {
      h.apply(view, h.codec.decode(value), ctx);
    } catch (e) {
      err = e as typeof err;
    }
    expect(toHex(store.computeRoot(view.changes())), `root after ${err?.code}`).toBe(before);
    return err;
  }

  beforeEach(() => {
    // Some state to protect: a pending change and a committee.
    block([[0, [oracleConfigAny(oracle([0, 1, 2])), proposeAny({ bridgeConfig: bridge({ vault: 0x44 }) })]]]);
  });

  it('unauthorized: a proposal or cancel from anyone but the genesis authority', () => {
    const p = refused(
      GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
      MsgProposeSecurityChangeCodec.toBytes(
        MsgProposeSecurityChangeCodec.fromPartial({
          authority: strangerAddr,
          bridgeConfig: bridge({ vault: 1 }),
        }),
      ),
    );
    expect(p?.code).toBe('GOV_UNAUTHORIZED');
    expect(p?.message).toContain(strangerAddr);
    expect(p?.message).toContain(genesis.authority);
    const c = refused(
      GOVERNANCE_TYPE_URL.MsgCancelSecurityChange,
      MsgCancelSecurityChangeCodec.toBytes({ authority: strangerAddr, id: 1n }),
    );
    expect(c?.code).toBe('GOV_UNAUTHORIZED');

    // Through a real block: the stranger signs a proposal naming itself; the receipt says why.
    const [r] = block([[1, [proposeAny({ authority: strangerAddr, bridgeConfig: bridge({ vault: 1 }) })]]]);
    expect(r!.code).toBe(ERROR_TABLE.governance.GOV_UNAUTHORIZED);
    expect(r!.codespace).toBe('governance');
    expect(pendingChanges(view).map((x) => x.id)).toEqual([1n]);
  });

  it('invalid config: refused naming the field', () => {
    const bad: [string, Partial<MsgProposeSecurityChange>, string][] = [
      [
        'fast threshold 0',
        { bridgeConfig: bridge({ fastThreshold: 0 }) },
        'bridge_config.origins[0].fast_ism',
      ],
      [
        'threshold above validators',
        { bridgeConfig: bridge({ fastThreshold: 4 }) },
        'bridge_config.origins[0].fast_ism',
      ],
      [
        'fast and final share a key',
        { bridgeConfig: bridge({ fastValidators: [11, 12, 21] }) },
        'bridge_config.origins[0].final_ism.validators',
      ],
      ['vault = adapter', { bridgeConfig: bridge({ vault: 0xa3 }) }, 'bridge_config.origins[0].adapter'],
      [
        'k above the committee',
        { oracleConfig: oracle([0, 1, 2], { minObservations: 4 }) },
        'oracle_config.minObservations',
      ],
      ['empty committee', { oracleConfig: oracle([]) }, 'oracle_config.signers'],
      [
        'super-majority below k',
        { oracleConfig: oracle([0, 1, 2], { superMajority: 1 }) },
        'oracle_config.superMajority',
      ],
      [
        'timelock 0',
        { governanceConfig: { paramsTimelockBlocks: 0n } },
        'governance_config.params_timelock_blocks',
      ],
      [
        'timelock too long',
        { governanceConfig: { paramsTimelockBlocks: 10_000_001n } },
        'governance_config.params_timelock_blocks',
      ],
    ];
    for (const [name, m, field] of bad) {
      const e = refused(
        GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
        MsgProposeSecurityChangeCodec.toBytes(
          MsgProposeSecurityChangeCodec.fromPartial({ authority: genesis.authority, ...m }),
        ),
      );
      expect(e?.code, name).toBe('GOV_CONFIG_INVALID');
      expect(String(e?.meta.field), name).toContain(field);
      expect(e?.message, name).toContain(field.replace(/^[a-z_]+\./, ''));
    }
  });

  it('a proposal must carry exactly one config', () => {
    for (const [name, m, text] of [
      ['none', {}, 'sets none'],
      ['two', { bridgeConfig: bridge(), oracleConfig: oracle([0, 1]) }, 'bridge_config and oracle_config'],
    ] as [string, Partial<MsgProposeSecurityChange>, string][]) {
      const e = refused(
        GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
        MsgProposeSecurityChangeCodec.toBytes(
          MsgProposeSecurityChangeCodec.fromPartial({ authority: genesis.authority, ...m }),
        ),
      );
      expect(e?.code, name).toBe('GOV_PROPOSAL_INVALID');
      expect(e?.message, name).toContain(text);
    }
  });

  it('cancel of an unknown id', () => {
    const e = refused(
      GOVERNANCE_TYPE_URL.MsgCancelSecurityChange,
      MsgCancelSecurityChangeCodec.toBytes({ authority: genesis.authority, id: 7n }),
    );
    expect(e?.code).toBe('GOV_CHANGE_UNKNOWN');
    expect(e?.meta.field).toBe('id');
  });

  it('MsgUpdateOracleConfig cannot change the committee, k, super-majority or max jump immediately', () => {
    const cases: [string, OracleConfig][] = [
      ['signers', oracle([0, 1, 3])],
      ['signers', oracle([0, 1, 2, 3], { superMajority: 3 })],
      ['minObservations', oracle([0, 1, 2], { minObservations: 3 })],
      ['superMajority', oracle([0, 1, 2], { superMajority: 2 })],
      ['maxJumpPpm', oracle([0, 1, 2], { maxJumpPpm: 900_000n })],
    ];
    for (const [field, config] of cases) {
      const e = refused(
        ORACLE_TYPE_URL.MsgUpdateOracleConfig,
        MsgUpdateOracleConfigCodec.toBytes({ authority: genesis.authority, config }),
      );
      expect(e?.code, field).toBe('GOV_TIMELOCK_REQUIRED');
      expect(e?.message, field).toContain(`oracle.${field}`);
    }
    // Liveness fields stay immediate (and the same committee resent, as the devnet feeder does at start).
    const [r] = block([[0, [oracleConfigAny(oracle([0, 1, 2], { staleWithdrawalsMs: 30_000n }))]]]);
    expect(r!.code, r!.log).toBe(0);
    expect(readOracleConfig(view)!.staleWithdrawalsMs).toBe(30_000n);
  });

  it(`at most ${MAX_PENDING_CHANGES} changes pending`, () => {
    const ctx = authCtx();
    const h = handlerFor(GOVERNANCE_TYPE_URL.MsgProposeSecurityChange)!;
    for (let i = 1; i < MAX_PENDING_CHANGES; i++) {
      h.apply(
        view,
        MsgProposeSecurityChangeCodec.fromPartial({
          authority: genesis.authority,
          governanceConfig: { paramsTimelockBlocks: 5n },
        }),
        ctx,
      );
    }
    expect(pendingChanges(view).length).toBe(MAX_PENDING_CHANGES);
    const e = refused(
      GOVERNANCE_TYPE_URL.MsgProposeSecurityChange,
      MsgProposeSecurityChangeCodec.toBytes(
        MsgProposeSecurityChangeCodec.fromPartial({
          authority: genesis.authority,
          governanceConfig: { paramsTimelockBlocks: 5n },
        }),
      ),
    );
    expect(e?.code).toBe('GOV_TOO_MANY_PENDING');
  });
});

describe('query', () => {
  it('governanceJson lists the pending changes with their configs in JSON', () => {
    block([
      [
        0,
        [proposeAny({ oracleConfig: oracle([0, 1]) }), proposeAny({ bridgeConfig: bridge({ vault: 0x31 }) })],
      ],
    ]);
    const j = governanceJson(view);
    expect(j.params_timelock_blocks).toBe('10');
    expect(j.last_id).toBe('2');
    expect(j.next_activation_height).toBe('11');
    expect(j.pending.map((p) => [p.id, p.kind, p.proposed_height, p.activation_height])).toEqual([
      ['1', 'oracle', '1', '11'],
      ['2', 'bridge', '1', '11'],
    ]);
    expect(j.pending[0]!.config_hash).toBe(oracleHash(oracle([0, 1])));
    expect((j.pending[0]!.config as { signers: string[] }).signers).toEqual(
      [0, 1].map((i) => ORACLE_ACCOUNTS[i]!.address.toLowerCase()),
    );
    const b = j.pending[1]!.config as { origins: { vault: string }[] };
    expect(b.origins[0]!.vault).toBe(`0x${'00'.repeat(12)}${'31'.repeat(20)}`);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    runTo(11n);
    expect(governanceJson(view)).toMatchObject({ pending: [], next_activation_height: null, last_id: '2' });
  });
});

describe('end-block', () => {
  it('a config invalid at activation is not written: the change closes FAILED with the reason', () => {
    block([[0, [proposeAny({ governanceConfig: { paramsTimelockBlocks: 4n } })]]]); // id 1 → 11
    // Simulate rules tightened between proposal and activation: the stored config no longer validates.
    // Empty bytes decode to GovernanceConfig{params_timelock_blocks: 0} (proto3 default), below the minimum 1.
    const rec = SecurityChangeCodec.decode(view.get(pendingChangeKey(1n))!);
    view.set(pendingChangeKey(1n), SecurityChangeCodec.toBytes({ ...rec, config: new Uint8Array(0) }));
    runTo(11n);
    const ev = endEvents[10]!;
    expect(ev.map((e) => e.type)).toEqual(['governance.activation_failed']);
    expect(attr(ev[0], 'reason')).toContain('GOV_CONFIG_INVALID');
    expect(readGovernanceConfig(view).paramsTimelockBlocks).toBe(10n);
    const closed = readSecurityChange(view, 1n)!;
    expect(closed.status).toBe(CHANGE_STATUS.FAILED);
    expect(closed.kind).toBe(CHANGE_KIND.GOVERNANCE);
    expect(pendingChanges(view)).toEqual([]);
  });

  it('does nothing (and writes nothing) when no change is due', () => {
    block([[0, [proposeAny({ bridgeConfig: bridge({ vault: 0x31 }) })]]]);
    const before = toHex(store.computeRoot(view.changes()));
    const events: Event[] = [];
    applyGovernanceEndBlock(view, { height: 10n, timeMs: NOW, events });
    expect(events).toEqual([]);
    expect(toHex(store.computeRoot(view.changes()))).toBe(before);
  });
});

/**
 * End-to-end MsgProcessMessage throughput of a hub node against r/t, where r is the native
 * secp256k1 recovery rate (libsecp256k1 `ecdsaRecover`, one core) measured in the same run and
 * t = 2 the threshold of the 2-of-3 MessageId ISM: every delivery costs at least t recoveries, so
 * r/t is the single-core ceiling. Goal: ≥ 40 % of r/t.
 *
 * End to end = signed Cosmos txs carrying MsgProcessMessage (DEPOSIT bodies, fast-tier MessageId
 * metadata) → `HubNode.checkTx` (decode, ante, tx signature on a worker thread, the message's
 * CheckTx hook: version, destination, replay, ISM) → mempool → `produceBlock` (STF: every check
 * again, ledger credit, records) → state root → one LevelDB batch with fsync. In-process (no HTTP):
 * the RPC layer's cost is the node bench's subject. Figures for 1 message per tx and for relayer
 * batches of 16 messages per tx. Run: `npm run bench -- hyperlane`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3';
import { Any } from 'cosmjs-types/google/protobuf/any';
import pino from 'pino';
import type secp256k1Types from 'secp256k1';
import { bytesToHex } from '../bridge/index.ts';
import {
  BRIDGE_TYPE_URL,
  bech32FromPubKey,
  evmAddressBytes,
  MsgProcessMessageCodec,
  secp,
  TIER,
} from '../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../chain/node/home.ts';
import { HubNode } from '../chain/node/hubNode.ts';
import { openNodeStore } from '../chain/node/openStore.ts';
import { signTx } from '../test/helpers/txs.ts';
import { FAST_KEYS, fixtureBridge, simA, USDC_A } from '../test/unit/hyperlane/fixtures.ts';

const native = createRequire(import.meta.url)('secp256k1/bindings') as typeof secp256k1Types;
const T = 2;
const CHAIN = 'unimargin-devnet-1';
const RELAYERS = 8;

/** r: native public-key recovery per second on one core, over ~`ms`. */
function recoveryRate(ms = 1000): number {
  const key = devnetPrivateKey(0);
  const items = Array.from({ length: 512 }, (_, i) => {
    const d = keccak_256(new Uint8Array([i & 255, i >> 8]));
    const s = native.ecdsaSign(d, key);
    return [d, s.signature, s.recid] as const;
  });
  let n = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < ms) {
    for (let k = 0; k < 64; k++) {
      const [d, sig, recid] = items[n++ % items.length]!;
      native.ecdsaRecover(sig, recid, d, false);
    }
    now = performance.now();
  }
  return (n * 1000) / (now - t0);
}

interface Run {
  messages: number;
  perTx: number;
  ms: number;
  perSec: number;
}

async function run(messages: number, perTx: number): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'umg-hl-bench-'));
  const seqKey = generateSequencerKey();
  const genesis = {
    ...devnetGenesis(seqKey.publicKey, { accounts: RELAYERS + 2, genesisTimeMs: BigInt(Date.now() - 1000) }),
    bridge: fixtureBridge(),
  };
  const store = await openNodeStore(join(home, 'data'));
  const node = await HubNode.open({
    genesis,
    store,
    logger: pino({ level: 'silent' }),
    sequencerKey: seqKey,
    sigThreads: 1,
    mempool: { maxTxs: 1_000_000, maxBytes: 1 << 30, maxPerAccount: 100_000 },
  });
  try {
    // Depositors: the devnet accounts' own EVM addresses (linked at genesis), so every message credits.
    const depositors = Array.from({ length: RELAYERS + 2 }, (_, i) =>
      bytesToHex(evmAddressBytes(secp.publicKeyCreate(devnetPrivateKey(i), false))),
    );
    const sim = simA();
    const keys = Array.from({ length: RELAYERS }, (_, i) => devnetPrivateKey(i));
    const relayer = keys.map((k) => bech32FromPubKey(secp.publicKeyCreate(k, true)));
    const anys: Any[] = [];
    for (let i = 0; i < messages; i++) {
      const d = sim.dispatch({
        kind: 'DEPOSIT',
        depositor: depositors[i % depositors.length]!,
        token: USDC_A,
        amount: 1_000_000n + BigInt(i),
        depositNonce: BigInt(i),
      });
      anys.push(
        Any.fromPartial({
          typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
          value: MsgProcessMessageCodec.toBytes({
            relayer: relayer[Math.floor(i / perTx) % RELAYERS]!,
            metadata: sim.messageIdMetadata(d, [FAST_KEYS[0]!, FAST_KEYS[2]!]),
            message: d.message,
            tier: TIER.FAST,
          }),
        }),
      );
    }
    // Signed txs per relayer, in sequence order.
    const lanes: Uint8Array[][] = Array.from({ length: RELAYERS }, () => []);
    for (let t = 0; t * perTx < messages; t++) {
      const r = t % RELAYERS;
      lanes[r]!.push(
        signTx({
          privKey: keys[r]!,
          accountNumber: BigInt(r),
          sequence: BigInt(lanes[r]!.length),
          chainId: CHAIN,
          msgs: anys.slice(t * perTx, (t + 1) * perTx),
          gasLimit: 2_000_000n * BigInt(perTx),
        }),
      );
    }
    const txCount = lanes.reduce((n, l) => n + l.length, 0);
    const blockEveryTxs = Math.max(1, Math.ceil(2000 / perTx));
    const t0 = performance.now();
    let admitted = 0;
    let committed = 0;
    for (let round = 0; admitted < txCount; round++) {
      // One tx per relayer at a time (each relayer's sequence order kept), admitted concurrently so
      // the tx-signature worker overlaps the main thread's CheckTx hook.
      const wave = lanes.map((l) => l[round]).filter((x): x is Uint8Array => x !== undefined);
      const results = await Promise.all(wave.map((tx) => node.checkTx(tx)));
      for (const r of results) if (r.code !== 0) throw new Error(`CheckTx refused: ${r.log}`);
      admitted += wave.length;
      if (admitted - committed >= blockEveryTxs || admitted === txCount) {
        const b = await node.produceBlock();
        for (const r of b.results) if (r.code !== 0) throw new Error(`tx failed in block: ${r.log}`);
        committed += b.results.length;
      }
    }
    while (committed < txCount) committed += (await node.produceBlock()).results.length;
    const ms = performance.now() - t0;
    return { messages, perTx, ms, perSec: (messages / ms) * 1000 };
  } finally {
    await node.stop();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

// The signature workers are unref'd: keep the event loop alive while awaiting them.
const keepAlive = setInterval(() => undefined, 1000);
const MESSAGES = Number(process.env.BENCH_HL_MESSAGES ?? 4096);
const rows: { name: string; run: Run; r: number }[] = [];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join('/');
const loadStart = load();
process.stdout.write(`load average ${loadStart} on ${cpus().length} cores\n`);
for (const perTx of [1, 16]) {
  // Baseline and subject alternate; r is re-measured right before each run.
  const r = recoveryRate();
  const result = await run(MESSAGES, perTx);
  rows.push({ name: `${perTx} MsgProcessMessage per tx`, run: result, r });
}
clearInterval(keepAlive);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const lines = [
  '## Hyperlane: MsgProcessMessage end to end',
  '',
  `\`bench/hyperlane.bench.ts\`: ${MESSAGES} DEPOSIT deliveries with fast-tier 2-of-3 MessageId metadata, as signed`,
  'txs of 8 relayers → `HubNode.checkTx` (tx signature on 1 worker thread; the message hook: version, destination,',
  'replay, ISM) → mempool → `produceBlock` (STF re-checks everything, credits the ledger) → state root → LevelDB',
  'batch with fsync; in-process, no HTTP. Baseline r = native `ecdsaRecover` on one core, measured just before',
  'each run; a delivery needs t = 2 recoveries, so r/t is the single-core ceiling. Goal ≥ 40 % of r/t.',
  `Load average ${loadStart} at start, ${load()} at the end, on ${cpus().length} cores (shared).`,
  '',
  '| figure | messages/s | baseline r/t (r = recoveries/s) | ratio |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map(
    ({ name, run: x, r }) =>
      `| ${name} (${x.messages} messages in ${fmt(x.ms)} ms) | ${fmt(x.perSec)} | ${fmt(r / T)} (r = ${fmt(r)}) | ${(x.perSec / (r / T)).toFixed(2)} |`,
  ),
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (process.env.BENCH_RESULTS) writeFileSync(process.env.BENCH_RESULTS, `${lines.join('\n')}\n`);

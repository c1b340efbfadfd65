/**
 * `npm run bench -- state`: the state store at 1M keys.
 *
 * Figures (each beside a baseline measured in this run):
 * - root update (computeRoot of a 1,000-changed-key block: hash keys and values, sort, rebuild the
 *   touched paths) p50/p99 over 1M keys, against the native sha256 floor for the same hashes;
 * - batch + fsync (the one `KvStore.write(…, {sync: true})` of commitBlock) p50/p99, with and
 *   without 1,000 txs in the block, against a raw LevelDB sync batch of 1,000 puts;
 * - root update cost at 10k vs 1M keys against log2(1M)/log2(10k) and the state-size ratio (100×);
 * - build, close (snapshot), reopen from the snapshot and by walking the log, verify; memory.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommitTx,
  HubStore,
  type KvIterateOpts,
  type KvOp,
  type KvStore,
  type KvWriteOpts,
  LevelKv,
  MemoryKv,
  sha256,
} from '../state/index.ts';

const BIG = Number(process.env.STATE_BENCH_KEYS ?? 1_000_000);
const SMALL = 10_000;
const CHANGES = 1_000;
const BLOCKS = Number(process.env.STATE_BENCH_BLOCKS ?? 150);
const KEY_BYTES = 33;
const VALUE_BYTES = 64;

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'umg-bench-state-'));
  dirs.push(d);
  return d;
};
const now = (): number => performance.now();
const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const log = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

/** Times every write of the wrapped store (the batch + fsync of commitBlock). */
class TimedKv implements KvStore {
  writes: number[] = [];
  lastOps = 0;
  lastBytes = 0;
  constructor(private readonly inner: KvStore) {}
  get(key: Uint8Array) {
    return this.inner.get(key);
  }
  getMany(keys: readonly Uint8Array[]) {
    return this.inner.getMany(keys);
  }
  async write(ops: readonly KvOp[], opts?: KvWriteOpts): Promise<void> {
    let bytes = 0;
    for (const o of ops) bytes += o.key.length + (o.type === 'put' ? o.value.length : 0);
    const t = now();
    await this.inner.write(ops, opts);
    this.writes.push(now() - t);
    this.lastOps = ops.length;
    this.lastBytes = bytes;
  }
  iterate(opts?: KvIterateOpts) {
    return this.inner.iterate(opts);
  }
  close() {
    return this.inner.close();
  }
}

/**
 * Keys (a prefix byte and 32 random bytes, like hashed account/position keys) kept in one buffer,
 * so the bench's own million keys are not a million heap objects weighing on the store's GC.
 */
class KeyBank {
  private buf: Buffer;
  size = 0;
  constructor(capacity: number) {
    this.buf = Buffer.alloc(capacity * KEY_BYTES);
  }
  /** Adds `n` random keys; returns their hex. */
  add(n: number): string[] {
    if ((this.size + n) * KEY_BYTES > this.buf.length) {
      const b = Buffer.alloc(Math.max(this.buf.length * 2, (this.size + n) * KEY_BYTES));
      this.buf.copy(b);
      this.buf = b;
    }
    const out: string[] = [];
    randomFillSync(this.buf, this.size * KEY_BYTES, n * KEY_BYTES);
    for (let i = this.size; i < this.size + n; i++) {
      this.buf[i * KEY_BYTES] = 0x10;
      out.push(this.hexAt(i));
    }
    this.size += n;
    return out;
  }
  hexAt(i: number): string {
    return this.buf.toString('hex', i * KEY_BYTES, (i + 1) * KEY_BYTES);
  }
  randomHex(): string {
    return this.hexAt(Math.floor(Math.random() * this.size));
  }
}

/** A block's changes: 90% updates of existing keys, 10% new keys (added to the bank). */
function blockChanges(bank: KeyBank, n: number): Map<string, Uint8Array | null> {
  const m = new Map<string, Uint8Array | null>();
  for (const k of bank.add(n / 10)) m.set(k, randomBytes(VALUE_BYTES));
  while (m.size < n) m.set(bank.randomHex(), randomBytes(VALUE_BYTES));
  return m;
}

function blockTxs(height: number, n: number, senders: number): CommitTx[] {
  const txs: CommitTx[] = [];
  for (let i = 0; i < n; i++) {
    const txBytes = randomBytes(250);
    txs.push({
      hash: new Uint8Array(sha256(txBytes)),
      senders: [`umg1sender${(height * 7 + i) % senders}`],
      txBytes,
      resultBytes: randomBytes(60),
    });
  }
  return txs;
}

async function main(): Promise<void> {
  const loadStart = loadavg();
  const rows: string[][] = [];
  const row = (...cells: string[]) => rows.push(cells);

  // Baseline 1: native sha256 of 65-byte preimages.
  const pre = randomBytes(65);
  for (let i = 0; i < 20_000; i++) sha256(pre);
  const HN = 500_000;
  let t = now();
  for (let i = 0; i < HN; i++) sha256(pre);
  const nsPerHash = ((now() - t) * 1e6) / HN;
  log(`baseline sha256(65 B): ${(1e9 / nsPerHash / 1e6).toFixed(2)} M/s (${nsPerHash.toFixed(0)} ns)`);

  // Baseline 2: raw LevelDB sync batch of 1,000 random puts (33 B key, 100 B value).
  const rawKv = await LevelKv.open(tmp());
  const raw: number[] = [];
  for (let r = 0; r < 100; r++) {
    const ops: KvOp[] = [];
    for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: randomBytes(33), value: randomBytes(100) });
    const t0 = now();
    await rawKv.write(ops, { sync: true });
    raw.push(now() - t0);
  }
  await rawKv.close();
  log(`baseline LevelDB sync batch of 1,000 puts: p50 ${ms(q(raw, 50))} p99 ${ms(q(raw, 99))}`);

  // Root update = HubStore.computeRoot of a fresh random 1,000-key change set (left pending).
  const rootUpdate = (store: HubStore, bank: KeyBank, reps: number): { times: number[]; nodes: number } => {
    const times: number[] = [];
    let nodes = 0;
    for (let r = 0; r < reps; r++) {
      // Fresh keys are not added to the bank: the change is computed, never committed.
      const m = new Map<string, Uint8Array | null>();
      for (let i = 0; i < CHANGES / 10; i++)
        m.set(`10${randomBytes(KEY_BYTES - 1).toString('hex')}`, randomBytes(VALUE_BYTES));
      while (m.size < CHANGES) m.set(bank.randomHex(), randomBytes(VALUE_BYTES));
      const t0 = now();
      store.computeRoot(m);
      times.push(now() - t0);
      nodes += store.treeStats.pendingCreated;
    }
    return { times, nodes: nodes / reps };
  };
  const smallBank = new KeyBank(SMALL);
  const smallStore = await HubStore.open(new MemoryKv());
  await smallStore.commitBlock({
    height: 0n,
    blockHash: randomBytes(32),
    blockBytes: randomBytes(10),
    txs: [],
    changes: new Map(smallBank.add(SMALL).map((k) => [k, randomBytes(VALUE_BYTES)])),
  });
  const small = rootUpdate(smallStore, smallBank, 200);
  await smallStore.close();
  log(`root update at ${SMALL} keys: p50 ${ms(q(small.times, 50))} (${small.nodes.toFixed(0)} nodes)`);

  // Build the big store through the real path: HubStore on LevelDB, 10 blocks of BIG/10 keys.
  const dir = tmp();
  const kv = new TimedKv(await LevelKv.open(dir));
  let store = await HubStore.open(kv);
  const bank = new KeyBank(BIG + 2 * BLOCKS * CHANGES);
  t = now();
  const per = BIG / 10;
  let height = 0n;
  for (let i = 0; i < 10; i++) {
    const m = new Map<string, Uint8Array | null>();
    const vals = randomBytes(per * VALUE_BYTES);
    const fresh = bank.add(per);
    for (let j = 0; j < per; j++) {
      m.set(fresh[j]!, new Uint8Array(vals.buffer, vals.byteOffset + j * VALUE_BYTES, VALUE_BYTES));
    }
    await store.commitBlock({
      height,
      blockHash: randomBytes(32),
      blockBytes: randomBytes(100),
      txs: [],
      changes: m,
    });
    height++;
  }
  const buildMs = now() - t;
  const stats = store.treeStats;
  const rss = process.memoryUsage().rss;
  log(
    `built ${BIG} keys in ${(buildMs / 1000).toFixed(1)} s; tree ${stats.nodes} nodes, pool ${(stats.poolBytes / 2 ** 20).toFixed(0)} MiB, rss ${(rss / 2 ** 20).toFixed(0)} MiB`,
  );

  const big = rootUpdate(store, bank, 200);
  log(`root update at ${BIG} keys: p50 ${ms(q(big.times, 50))} (${big.nodes.toFixed(0)} nodes)`);

  // Blocks: computeRoot (root update) then commitBlock (batch + fsync measured inside).
  const runBlocks = async (n: number, txsPerBlock: number) => {
    const root: number[] = [];
    const commit: number[] = [];
    const first = kv.writes.length;
    let ops = 0;
    let bytes = 0;
    for (let b = 0; b < n; b++) {
      const changes = blockChanges(bank, CHANGES);
      const txs = blockTxs(Number(height), txsPerBlock, 200);
      const t0 = now();
      const r = store.computeRoot(changes);
      const t1 = now();
      await store.commitBlock({
        height,
        blockHash: randomBytes(32),
        blockBytes: randomBytes(1000),
        txs,
        changes,
        root: r,
      });
      commit.push(now() - t1);
      root.push(t1 - t0);
      ops += kv.lastOps;
      bytes += kv.lastBytes;
      height++;
    }
    return { root, commit, write: kv.writes.slice(first), ops: ops / n, bytes: bytes / n };
  };
  const noTx = await runBlocks(BLOCKS, 0);
  log(
    `1,000 changed keys, no txs: root p50 ${ms(q(noTx.root, 50))} p99 ${ms(q(noTx.root, 99))}; batch+fsync p50 ${ms(q(noTx.write, 50))} p99 ${ms(q(noTx.write, 99))}; commitBlock p99 ${ms(q(noTx.commit, 99))}; ${noTx.ops.toFixed(0)} ops ${(noTx.bytes / 1024).toFixed(0)} KiB`,
  );
  const withTx = await runBlocks(BLOCKS, 1000);
  log(
    `1,000 changed keys + 1,000 txs: root p50 ${ms(q(withTx.root, 50))} p99 ${ms(q(withTx.root, 99))}; batch+fsync p50 ${ms(q(withTx.write, 50))} p99 ${ms(q(withTx.write, 99))}; commitBlock p99 ${ms(q(withTx.commit, 99))}; ${withTx.ops.toFixed(0)} ops ${(withTx.bytes / 1024).toFixed(0)} KiB`,
  );

  // Recovery at full size: after a clean close (snapshot of the last height), after a crash
  // (older snapshot + replay of the blocks since), and by walking the log (no snapshot).
  t = now();
  await store.close();
  const closeMs = now() - t;
  t = now();
  store = await HubStore.open(await LevelKv.open(dir));
  const reopenMs = now() - t;
  const source = store.treeSource;
  const REPLAY = 20;
  await runBlocks(REPLAY, 0);
  const lastRoot = store.root;
  // A close without a final snapshot stands in for a crash: the snapshot is REPLAY blocks old.
  await store.close({ snapshot: false });
  t = now();
  store = await HubStore.open(await LevelKv.open(dir), { snapshotOnClose: false });
  const replayMs = now() - t;
  const replayed = store.replayedBlocks;
  let sameRoot = Buffer.from(store.root).equals(Buffer.from(lastRoot));
  await store.close();
  t = now();
  store = await HubStore.open(await LevelKv.open(dir), { useSnapshot: false, snapshotOnClose: false });
  const walkMs = now() - t;
  sameRoot &&= Buffer.from(store.root).equals(Buffer.from(lastRoot));
  t = now();
  const rep = await store.verify();
  const verifyMs = now() - t;
  log(
    `close (snapshot) ${(closeMs / 1000).toFixed(1)} s; reopen ${(reopenMs / 1000).toFixed(1)} s (${source}); after a crash ${(replayMs / 1000).toFixed(1)} s (snapshot + ${replayed} blocks replayed); by walk ${(walkMs / 1000).toFixed(1)} s; root equal ${sameRoot}; verify ${(verifyMs / 1000).toFixed(1)} s ok=${rep.ok} keys=${rep.keys}`,
  );
  await store.close();

  const hashFloor = (nodes: number) => ((nodes + 2 * CHANGES) * nsPerHash) / 1e6;
  const log2Ratio = Math.log2(BIG) / Math.log2(SMALL);
  const r10 = q(small.times, 50);
  const r1m = q(big.times, 50);
  row(
    'sha256, 65 B preimage (native) — baseline',
    `${nsPerHash.toFixed(0)} ns (${(1e9 / nsPerHash / 1e6).toFixed(2)} M/s)`,
    '—',
    '—',
  );
  row(
    'LevelDB sync batch, 1,000 × 133 B puts — baseline',
    `p50 ${ms(q(raw, 50))}, p99 ${ms(q(raw, 99))}`,
    '—',
    '—',
  );
  row(
    `root update, 1,000 changed keys over ${BIG.toLocaleString('en')} keys (no txs)`,
    `p50 ${ms(q(noTx.root, 50))}, p99 ${ms(q(noTx.root, 99))}`,
    `hash floor ${ms(hashFloor(big.nodes))} (${big.nodes.toFixed(0)} nodes + 2,000 key/value hashes)`,
    `p99 ${(q(noTx.root, 99) / hashFloor(big.nodes)).toFixed(2)}× floor; target ≤ 50 ms`,
  );
  row(
    'root update, same, blocks with 1,000 txs',
    `p50 ${ms(q(withTx.root, 50))}, p99 ${ms(q(withTx.root, 99))}`,
    `hash floor ${ms(hashFloor(big.nodes))}`,
    `p99 ${(q(withTx.root, 99) / hashFloor(big.nodes)).toFixed(2)}× floor`,
  );
  row(
    'batch + fsync, 1,000 changed keys, no txs',
    `p50 ${ms(q(noTx.write, 50))}, p99 ${ms(q(noTx.write, 99))} (${noTx.ops.toFixed(0)} ops, ${(noTx.bytes / 1024).toFixed(0)} KiB)`,
    `raw sync batch p50 ${ms(q(raw, 50))}`,
    `p99 ${(q(noTx.write, 99) / q(raw, 50)).toFixed(2)}× raw p50; target ≤ 25 ms`,
  );
  row(
    'batch + fsync, 1,000 changed keys + 1,000 txs (200 senders)',
    `p50 ${ms(q(withTx.write, 50))}, p99 ${ms(q(withTx.write, 99))} (${withTx.ops.toFixed(0)} ops, ${(withTx.bytes / 1024).toFixed(0)} KiB)`,
    `raw sync batch p50 ${ms(q(raw, 50))}`,
    `p99 ${(q(withTx.write, 99) / q(raw, 50)).toFixed(2)}× raw p50`,
  );
  row(
    'commitBlock total after computeRoot (encode + batch + fsync + memory), with txs',
    `p50 ${ms(q(withTx.commit, 50))}, p99 ${ms(q(withTx.commit, 99))}`,
    `batch+fsync p50 ${ms(q(withTx.write, 50))}`,
    `${(q(withTx.commit, 50) / q(withTx.write, 50)).toFixed(2)}× at p50`,
  );
  row(
    `root update at ${SMALL.toLocaleString('en')} vs ${BIG.toLocaleString('en')} keys (p50, 1,000 changes)`,
    `${ms(r10)} vs ${ms(r1m)}: ratio ${(r1m / r10).toFixed(2)}`,
    `log2(${BIG})/log2(${SMALL}) = ${log2Ratio.toFixed(2)}; state size ratio ${(BIG / SMALL).toFixed(0)}`,
    `new nodes ${small.nodes.toFixed(0)} vs ${big.nodes.toFixed(0)} (ratio ${(big.nodes / small.nodes).toFixed(2)})`,
  );
  row(
    `build ${BIG.toLocaleString('en')} keys (10 blocks through commitBlock on LevelDB)`,
    `${(buildMs / 1000).toFixed(1)} s`,
    `${stats.nodes.toLocaleString('en')} tree nodes, pool ${(stats.poolBytes / 2 ** 20).toFixed(0)} MiB, rss ${(rss / 2 ** 20).toFixed(0)} MiB`,
    '—',
  );
  row(
    'reopen after a clean close (tree snapshot + state load, hash checks on)',
    `${(reopenMs / 1000).toFixed(1)} s (${source}; close wrote the snapshot in ${(closeMs / 1000).toFixed(1)} s)`,
    `reopen by walking the log (no snapshot) ${(walkMs / 1000).toFixed(1)} s`,
    `${(walkMs / reopenMs).toFixed(1)}× slower without the snapshot; root equal ${sameRoot}`,
  );
  row(
    `reopen after a crash ${REPLAY} blocks after the last snapshot`,
    `${(replayMs / 1000).toFixed(1)} s (${replayed} blocks replayed)`,
    `clean reopen ${(reopenMs / 1000).toFixed(1)} s`,
    `+${((replayMs - reopenMs) / Math.max(1, replayed)).toFixed(0)} ms per replayed block`,
  );
  row(
    'verify (root recomputed from stored values alone)',
    `${(verifyMs / 1000).toFixed(1)} s`,
    `${rep.keys.toLocaleString('en')} keys × 3 hashes + internal nodes at ${nsPerHash.toFixed(0)} ns`,
    `ok ${rep.ok}`,
  );

  const load = `load average ${loadStart.map((x) => x.toFixed(1)).join('/')} at start, ${loadavg()
    .map((x) => x.toFixed(1))
    .join('/')} at end on ${cpus().length} cores`;
  const md = [
    '## State store (state/, 1,000-changed-key blocks over 1M keys)',
    '',
    `Machine: ${load} (shared; absolute times scale with load, ratios much less).`,
    '',
    `Keys ${KEY_BYTES} B, values ${VALUE_BYTES} B; each block changes ${CHANGES} keys (90% updates, 10% inserts); ${BLOCKS} blocks per variant; LevelDB (classic-level) with fsync per block.`,
    '',
    '| figure | measured | baseline (same run) | ratio / note |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
  if (process.env.BENCH_RESULTS !== undefined) writeFileSync(process.env.BENCH_RESULTS, md);
  log(md);
}

try {
  await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

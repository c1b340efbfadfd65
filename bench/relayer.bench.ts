/**
 * `npm run bench -- relayer`: the relayer's throughput in both directions on one anvil chain (real
 * Hyperlane core and our contracts) with 2-of-3 MessageId ISMs, against anvil's own
 * `Mailbox.process` of the same hub → EVM messages sent in one JSON-RPC batch (the peer figure of
 * notes/toolchain.md), measured in the same run.
 *
 * - EVM → hub: N DEPOSITs and the N ACKs the vault sent back for the RELEASEs below, signed by three
 *   fast validators (2-of-3), then
 *   one relayer (batches of 32 MsgProcessMessage per tx) delivers them to a real hub node over
 *   its RPC; timed from the relayer's first pass until every message is delivered.
 * - hub → EVM: N RELEASEs (1 atomic unit each) in a hub outbox built with the STF's
 *   `dispatchSettlement` on a memory state, signed by three hub validators (2-of-3); timed from the
 *   relayer's first pass until all are processed on anvil (simulate, pipelined sends, receipts).
 * - baseline: the same N RELEASEs with the same metadata, `Mailbox.process` as raw txs signed
 *   beforehand and sent in one JSON-RPC batch, timed until the last receipt; run on an anvil snapshot, then reverted
 *   so the relayer sees untouched state.
 *
 * N defaults to 120 (`RELAYER_BENCH_MESSAGES`): with 200 `eth_sendTransaction`s in one batch, anvil
 * 1.7.1 answered every item with a hash but never mined one of them (a nonce gap left 122 queued);
 * raw txs are used for the same reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Address, encodeFunctionData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type AgentChain,
  EvmOriginReader,
  gatherQuorum,
  type HubApi,
  HubOriginReader,
  hubSignerOf,
  LocalCheckpointStorage,
  MAILBOX_ABI,
  parseChainAddresses,
  parseChainMetadata,
  Relayer,
  RestHubApi,
  Validator,
} from '../bridge/agents/index.ts';
import {
  addressToBytes32,
  bytesToHex,
  encodeMessageIdMultisigMetadata,
  hexToBytes,
} from '../bridge/index.ts';
import { HUB_DOMAIN, HUB_SENDER, HUB_TREE_HOOK } from '../chain/hyperlane/constants.ts';
import { dispatchSettlement, outboxCount, outboxMessage, outboxNonceOf } from '../chain/hyperlane/outbox.ts';
import { homePaths, initHome, loadGenesis, loadSequencerKey } from '../chain/node/home.ts';
import { HubNode } from '../chain/node/hubNode.ts';
import { openNodeStore } from '../chain/node/openStore.ts';
import { marginVaultAbi, mockERC20Abi } from '../contracts-abi/index.ts';
import { createEvmClients } from '../devnet/evm/clients.ts';
import { startEvmChain } from '../devnet/evm/startEvmChain.ts';
import { createRpcServer } from '../rpc/index.ts';
import { HubStore, MemoryKv } from '../state/index.ts';

const N = Number(process.env.RELAYER_BENCH_MESSAGES ?? 120);
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const satisfies readonly Hex[];
const addr = (k: Hex) => privateKeyToAccount(k).address.toLowerCase() as Address;
const sortedAddrs = (ks: readonly Hex[]) => ks.map(addr).sort();
const FAST = [KEYS[1], KEYS[2], KEYS[3]];
const FINAL = [KEYS[4]];
const HUBV = [KEYS[5], KEYS[6], KEYS[7]];
const DOMAIN = 31337;
const silent = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'umg-relayer-bench-'));

async function main() {
  const dep = await startEvmChain({
    anvil: { chainId: DOMAIN },
    domain: DOMAIN,
    deployerKey: KEYS[0],
    hub: { hubSender: HUB_SENDER, hubValidators: sortedAddrs(HUBV) as Address[], hubThreshold: 2 },
  });
  const owner = dep.clients;
  const user = createEvmClients({ rpcUrl: dep.anvil.rpcUrl, chainId: DOMAIN, privateKey: KEYS[8] });
  const usdc = dep.app.tokens.USDC!;
  const stops: (() => Promise<void>)[] = [() => dep.anvil.stop()];
  try {
    // ---- hub node with the chain enrolled
    const home = join(dir, 'hub');
    const { paths } = initHome({ home });
    const g = JSON.parse(readFileSync(paths.genesis, 'utf8'));
    g.bridge = {
      hub_domain: HUB_DOMAIN,
      origins: [
        {
          domain: DOMAIN,
          name: 'anvil',
          fast_ism: { type: 'message_id_multisig', validators: sortedAddrs(FAST), threshold: 2 },
          final_ism: { type: 'message_id_multisig', validators: sortedAddrs(FINAL), threshold: 1 },
          merkle_tree_hook: dep.core.merkleTreeHook.toLowerCase(),
          vault: dep.app.vault.toLowerCase(),
          adapter: dep.app.adapter.toLowerCase(),
          expected_finality_ms: '1000',
          timeout_ms: '600000',
          tokens: [{ token: usdc.toLowerCase(), decimals: 6, symbol: 'USDC' }],
        },
      ],
    };
    writeFileSync(paths.genesis, JSON.stringify(g));
    const store = await openNodeStore(homePaths(home).data);
    const node = await HubNode.open({
      genesis: loadGenesis(paths.genesis),
      store,
      logger: silent,
      sequencerKey: loadSequencerKey(paths.sequencerKey),
      blockTimeMs: 100,
      sigThreads: 1,
    });
    const app = await createRpcServer(node);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    node.start();
    stops.unshift(async () => {
      await node.stop();
      await app.close();
      await store.close();
    });

    // ---- N deposits (EVM → hub messages), signed by the fast validators
    for (const [fn, args] of [
      ['mint', [user.walletClient.account.address, 10n ** 15n]],
      ['approve', [dep.app.vault, 2n ** 255n]],
    ] as const) {
      await user.publicClient.waitForTransactionReceipt({
        hash: await user.walletClient.writeContract({
          address: usdc,
          abi: mockERC20Abi,
          functionName: fn,
          args,
        }),
      });
    }
    let nonce = await user.publicClient.getTransactionCount({ address: user.walletClient.account.address });
    const hashes: Hex[] = [];
    for (let i = 0; i < N; i++) {
      hashes.push(
        await user.walletClient.writeContract({
          address: dep.app.vault,
          abi: marginVaultAbi,
          functionName: 'deposit',
          args: [usdc, 1_000_000n + BigInt(i)],
          nonce: nonce++,
          gas: 500_000n,
        }),
      );
    }
    await user.publicClient.waitForTransactionReceipt({ hash: hashes[hashes.length - 1]! });
    const chain: AgentChain = {
      metadata: parseChainMetadata({
        name: 'anvil',
        chainId: DOMAIN,
        domainId: DOMAIN,
        protocol: 'ethereum',
        rpcUrls: [{ http: dep.anvil.rpcUrl }],
        blocks: { confirmations: 1, reorgPeriod: 0, estimateBlockTime: 1 },
      }),
      addresses: parseChainAddresses(
        {
          mailbox: dep.core.mailbox,
          merkleTreeHook: dep.core.merkleTreeHook,
          validatorAnnounce: dep.core.validatorAnnounce,
          deployedAtBlock: Number(dep.core.deployedAtBlock),
        },
        'ethereum',
      ),
    };
    const fastLocations = new Map<string, string>();
    const fastValidators: Validator[] = [];
    for (const k of FAST) {
      const storage = new LocalCheckpointStorage(join(dir, `fast-${addr(k)}`));
      fastLocations.set(addr(k), storage.location);
      const v = new Validator({
        reader: new EvmOriginReader({
          client: owner.publicClient,
          domain: DOMAIN,
          merkleTreeHook: dep.core.merkleTreeHook,
          reorgPeriod: 0,
          fromBlock: dep.core.deployedAtBlock,
        }),
        privateKey: k,
        storage,
        highWaterMarkPath: join(dir, `fast-${addr(k)}.hwm.json`),
      });
      await v.tick();
      fastValidators.push(v);
    }

    // ---- hub → EVM messages: a harness outbox of N RELEASEs, signed by the hub validators
    const view = (await HubStore.open(new MemoryKv())).view();
    const ids: Hex[] = [];
    for (let i = 0; i < N; i++) {
      const d = dispatchSettlement(view, 1n, {
        destination: DOMAIN,
        recipient: hexToBytes(addressToBytes32(dep.app.vault), 'vault', 32),
        payload: {
          kind: 'RELEASE',
          settlementId: bytesToHex(
            new Uint8Array(32).fill(0).map((_, j) => (j < 4 ? (i >> (8 * j)) & 255 : 7)),
          ),
          token: usdc.toLowerCase() as Hex,
          recipient: addr(KEYS[9]),
          amount: 1n,
          toMarket: false,
        },
      });
      ids.push(d.messageId);
    }
    const hubLocations = new Map<string, string>();
    for (const k of HUBV) {
      const storage = new LocalCheckpointStorage(join(dir, `hubv-${addr(k)}`));
      hubLocations.set(addr(k), storage.location);
      await new Validator({
        reader: new HubOriginReader({ view: () => view, height: () => 1n }),
        privateKey: k,
        storage,
        highWaterMarkPath: join(dir, `hubv-${addr(k)}.hwm.json`),
      }).tick();
    }
    const harness: HubApi = {
      chainId: async () => 'harness',
      account: async () => undefined,
      broadcastTxSync: async () => ({ code: 1, log: 'harness', hash: '' }),
      txResult: async () => undefined,
      inboundStatus: async () => undefined,
      origins: async () => [],
      async outbox(from, limit) {
        const count = outboxCount(view);
        const messages: Uint8Array[] = [];
        for (let n = from; n < Math.min(count, from + limit); n++) messages.push(outboxMessage(view, n)!);
        return { count, messages };
      },
      async outboundMessage(id) {
        const n = outboxNonceOf(view, hexToBytes(id, 'id', 32));
        return n === undefined ? undefined : { nonce: n, message: outboxMessage(view, n)! };
      },
    };

    // ---- baseline: the same RELEASEs, Mailbox.process in one JSON-RPC batch, on a snapshot
    const set = { validators: sortedAddrs(HUBV), threshold: 2, locations: hubLocations };
    const sender = createEvmClients({ rpcUrl: dep.anvil.rpcUrl, chainId: DOMAIN, privateKey: KEYS[9] });
    const snapshot = (await owner.publicClient.request({ method: 'evm_snapshot' as never })) as Hex;
    const from = sender.walletClient.account.address;
    const bn = await owner.publicClient.getTransactionCount({ address: from });
    const fees = await owner.publicClient.estimateFeesPerGas();
    const account = privateKeyToAccount(KEYS[9]);
    // Signed before the clock starts: the baseline is anvil executing one batch of raw txs.
    const batch = await Promise.all(
      ids.map(async (id, i) => {
        const q = gatherQuorum(set, HUB_DOMAIN, HUB_TREE_HOOK, i, id);
        const metadata = encodeMessageIdMultisigMetadata({
          merkleTreeHook: HUB_TREE_HOOK,
          root: q.checkpoint.root,
          index: i,
          signatures: q.signatures,
        });
        const raw = await account.signTransaction({
          type: 'eip1559',
          chainId: DOMAIN,
          nonce: bn + i,
          to: dep.core.mailbox,
          gas: 1_000_000n,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          data: encodeFunctionData({
            abi: MAILBOX_ABI,
            functionName: 'process',
            args: [bytesToHex(metadata), bytesToHex(outboxMessage(view, i)!)],
          }),
        });
        return { jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [raw] };
      }),
    );
    const t0 = performance.now();
    const res = (await (
      await fetch(dep.anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      })
    ).json()) as { result?: Hex; error?: unknown }[];
    const bad = res.find((r) => r.result === undefined);
    if (bad !== undefined) throw new Error(`baseline batch item failed: ${JSON.stringify(bad.error)}`);
    const last = res[res.length - 1]!.result!;
    const rcpt = await owner.publicClient.waitForTransactionReceipt({
      hash: last,
      pollingInterval: 5,
      timeout: 60_000,
    });
    const baselineMs = performance.now() - t0;
    if (rcpt.status !== 'success' || res.some((r) => r.result === undefined))
      throw new Error('baseline batch failed');
    await owner.publicClient.request({ method: 'evm_revert' as never, params: [snapshot] as never });

    // ---- relayer hub → EVM
    const toEvm = new Relayer({
      hub: harness,
      hubSigner: hubSignerOf(KEYS[8]),
      hubValidatorLocations: hubLocations,
      evm: [{ chain, client: owner.publicClient, wallet: sender.walletClient }],
      dataDir: join(dir, 'relayer-out'),
      lanes: { toHub: false, fromHub: true, finality: false },
      logger: silent,
    });
    const t1 = performance.now();
    while (toEvm.status().find((l) => l.lane === 'hub')!.next < N) {
      await toEvm.tick();
    }
    const outMs = performance.now() - t1;
    const delivered = [...toEvm.outcomes.values()].filter((o) => o === 'delivered').length;

    // ---- relayer EVM → hub: the N deposits and the N ACKs the vault sent for the RELEASEs
    for (const v of fastValidators) await v.tick();
    const toHub = new Relayer({
      hub: new RestHubApi(`http://127.0.0.1:${port}`),
      hubSigner: hubSignerOf(KEYS[8]),
      evm: [
        {
          chain,
          client: owner.publicClient,
          fast: { validators: sortedAddrs(FAST), threshold: 2, locations: fastLocations },
        },
      ],
      dataDir: join(dir, 'relayer-in'),
      lanes: { toHub: true, fromHub: false, finality: false },
      batchSize: 32,
      logger: silent,
    });
    const inbound = () => toHub.status().find((l) => l.lane === `evm:${DOMAIN}`)!;
    const t2 = performance.now();
    while (inbound().known === 0 || inbound().next < inbound().known) {
      await toHub.tick();
    }
    const inMs = performance.now() - t2;
    const inDelivered = [...toHub.outcomes.values()].filter((o) => o === 'delivered').length;

    const base = (N / baselineMs) * 1000;
    const outRate = (N / outMs) * 1000;
    const inRate = (inDelivered / inMs) * 1000;
    const lines = [
      '## Relayer throughput (bench/relayer.bench.ts)',
      '',
      `${N} RELEASEs hub → EVM; EVM → hub the ${N} DEPOSITs plus the ${N} ACKs the vault answered the RELEASEs with; one anvil (automine), 2-of-3 MessageId ISMs; hub node in-process with 100 ms blocks.`,
      '',
      '| figure | messages/s | time | vs anvil batch |',
      '| --- | --- | --- | --- |',
      `| baseline: anvil \`Mailbox.process\` of the ${N} RELEASEs, pre-signed raw txs in one JSON-RPC batch | ${base.toFixed(0)} | ${baselineMs.toFixed(0)} ms | 1.00 |`,
      `| relayer hub → EVM (index outbox, gather 2-of-3, raw txs in JSON-RPC batches of 50, receipts; ${delivered} delivered) | ${outRate.toFixed(0)} | ${outMs.toFixed(0)} ms | ${(outRate / base).toFixed(2)} |`,
      `| relayer EVM → hub (index logs, gather 2-of-3, 32 MsgProcessMessage per tx over RPC, await commit; ${inDelivered} delivered) | ${inRate.toFixed(0)} | ${inMs.toFixed(0)} ms | ${(inRate / base).toFixed(2)} |`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.env.BENCH_RESULTS) writeFileSync(process.env.BENCH_RESULTS, `${lines.join('\n')}\n`);
  } finally {
    for (const s of stops) await s();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

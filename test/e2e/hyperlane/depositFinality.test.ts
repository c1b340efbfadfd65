/**
 * A real deposit, end to end: the real MarginVault on anvil dispatches DEPOSIT through the real
 * Mailbox; the test relays it — fast-tier MessageId metadata over the real MerkleTreeHook root —
 * as MsgProcessMessage through a real hub node (LevelDB, sequencer, RPC), signed and broadcast by a
 * stock CosmJS client (`connectSigner`); the collateral is visible over REST and the bank query as
 * provisional. After anvil's `finalized` block passes the deposit, the final-tier validators sign
 * the finalized checkpoint and MsgConfirmFinality (with the leaf's proof) makes it final.
 */
import { StargateClient } from '@cosmjs/stargate';
import { createTestClient, type Hex, http, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressToBytes32,
  encodeMessageIdMultisigMetadata,
  hexToBytes,
  IncrementalMerkleTree,
  messageId,
  signCheckpoint,
} from '../../../bridge/index.ts';
import {
  BRIDGE_TYPE_URL,
  type BridgeConfig,
  bech32FromPubKey,
  bridgeConfigToJson,
  HUB_DOMAIN,
  HUB_SENDER,
  MODULE_TYPE,
  secp,
} from '../../../chain/index.ts';
import { connectSigner } from '../../../chain/node/client.ts';
import { devnetPrivateKey, homePaths, initHome } from '../../../chain/node/home.ts';
import { marginVaultAbi, mockERC20Abi } from '../../../contracts-abi/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  type HyperlaneCoreAddresses,
  mailboxAbi,
  merkleTreeHookAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
import { deployUnimarginContracts, type UnimarginEvmAddresses } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS, startTestChains, stopTestChains, type TestChain } from '../../helpers/anvil.ts';
import { startTestNode, type TestNode } from '../../helpers/node.ts';
import { FAST_KEYS, FAST_VALIDATORS, FINAL_KEYS, FINAL_VALIDATORS } from '../../unit/hyperlane/fixtures.ts';

const LOCAL = 31337;
let chains: TestChain[] | undefined;
let owner: EvmClients;
let user: EvmClients;
let core: HyperlaneCoreAddresses;
let app: UnimarginEvmAddresses;
let hub: TestNode | undefined;
let home: string;

function bridgeGenesis(): BridgeConfig {
  const ism = (validators: readonly Hex[]) => ({
    moduleType: MODULE_TYPE.MESSAGE_ID_MULTISIG,
    validators: validators.map((v) => hexToBytes(v)),
    threshold: 2,
  });
  return {
    hubDomain: HUB_DOMAIN,
    origins: [
      {
        domain: LOCAL,
        name: 'anvil',
        fastIsm: ism(FAST_VALIDATORS),
        finalIsm: ism(FINAL_VALIDATORS),
        merkleTreeHook: hexToBytes(addressToBytes32(core.merkleTreeHook)),
        vault: hexToBytes(addressToBytes32(app.vault)),
        adapter: hexToBytes(addressToBytes32(app.adapter)),
        expectedFinalityMs: 12_000n,
        timeoutMs: 60_000n,
        tokens: [
          { token: hexToBytes(app.tokens.USDC!), decimals: 6, symbol: 'USDC' },
          { token: hexToBytes(app.tokens.WETH!), decimals: 18, symbol: 'WETH' },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  chains = await startTestChains(1, { slotsInAnEpoch: 2 });
  const c = chains[0]!;
  const mk = (i: number) =>
    createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: ANVIL_KEYS[i]! });
  owner = mk(0);
  user = mk(1);
  core = await deployHyperlaneCore(owner, { localDomain: LOCAL });
  app = await deployUnimarginContracts(owner, {
    core,
    hubSender: HUB_SENDER,
    hubValidators: FAST_VALIDATORS as `0x${string}`[],
    hubThreshold: 2,
  });
  // The hub's genesis: the devnet one (anvil's keys are its accounts) plus the bridge section.
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  home = mkdtempSync(join(tmpdir(), 'umg-hl-'));
  initHome({ home, accounts: 10 });
  const g = JSON.parse(readFileSync(homePaths(home).genesis, 'utf8'));
  g.bridge = bridgeConfigToJson(bridgeGenesis());
  writeFileSync(homePaths(home).genesis, JSON.stringify(g, null, 2));
  hub = await startTestNode({ home, blockTimeMs: 100 });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await stopTestChains(chains);
  const { rmSync } = await import('node:fs');
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

const rest = async (path: string) => {
  const r = await fetch(`${hub!.url}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('real vault deposit → hub → provisional → final', () => {
  it('credits provisionally over REST and the bank query, then finally after MsgConfirmFinality', async () => {
    const usdc = app.tokens.USDC!;
    const amount = 1_234_567n;
    const write = async (req: Parameters<EvmClients['walletClient']['writeContract']>[0]) => {
      const hash = await user.walletClient.writeContract(req);
      const r = await user.publicClient.waitForTransactionReceipt({ hash });
      expect(r.status).toBe('success');
      return r;
    };
    await write({
      address: usdc,
      abi: mockERC20Abi,
      functionName: 'mint',
      args: [user.walletClient.account.address, amount],
    });
    await write({ address: usdc, abi: mockERC20Abi, functionName: 'approve', args: [app.vault, amount] });
    const receipt = await write({
      address: app.vault,
      abi: marginVaultAbi,
      functionName: 'deposit',
      args: [usdc, amount],
    });
    const [log] = parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: 'Dispatch' });
    const message = log!.args.message;
    const id = messageId(message);
    // The origin tree as the test sees it (every Dispatch since deployment: just this one).
    const tree = new IncrementalMerkleTree();
    const index = tree.insert(id);
    const [root, latest] = await owner.publicClient.readContract({
      address: core.merkleTreeHook,
      abi: merkleTreeHookAbi,
      functionName: 'latestCheckpoint',
    });
    expect([root, latest]).toEqual([tree.root(), index]);

    // Relay with fast-tier signatures through a stock CosmJS client (devnet account 9 relays).
    const hook = addressToBytes32(core.merkleTreeHook);
    const sigs = (keys: readonly Hex[], r: Hex, i: number, mid: Hex) =>
      keys.map((k) =>
        signCheckpoint(k, { origin: LOCAL, merkleTreeHook: hook, root: r, index: i, messageId: mid }),
      );
    const metadata = encodeMessageIdMultisigMetadata({
      merkleTreeHook: hook,
      root,
      index,
      signatures: sigs(FAST_KEYS.slice(0, 2), root, index, id),
    });
    const { client, address: relayer } = await connectSigner(hub!.url, devnetPrivateKey(9));
    const r1 = await client.signAndBroadcast(
      relayer,
      [
        {
          typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
          value: { relayer, metadata, message: hexToBytes(message), tier: 1 },
        },
      ],
      'auto',
    );
    expect(r1.code, r1.rawLog).toBe(0);

    // The depositor is anvil key #1 = devnet account 1, linked at genesis.
    const account = bech32FromPubKey(secp.publicKeyCreate(devnetPrivateKey(1), true));
    const denom = `col/${LOCAL}/${usdc.toLowerCase()}`;
    const b1 = await rest(`/v1/bridge/balances/${account}`);
    expect(b1.status).toBe(200);
    expect(b1.body.balances).toEqual([
      {
        domain: LOCAL,
        token: usdc.toLowerCase(),
        symbol: 'USDC',
        stage: 'provisional',
        denom: `${denom}/provisional`,
        amount: amount.toString(),
      },
    ]);
    const bank = await StargateClient.connect(hub!.url);
    expect(await bank.getBalance(account, `${denom}/provisional`)).toEqual({
      denom: `${denom}/provisional`,
      amount: amount.toString(),
    });
    const m1 = await rest(`/v1/bridge/messages/${id}`);
    expect(m1.body).toMatchObject({
      delivered: true,
      stage: 'provisional',
      tier: 'fast',
      result: 'deposit_credited',
      leaf_index: 0,
    });

    // A replay through the same client is refused by CheckTx with its own code.
    await expect(
      client.signAndBroadcast(
        relayer,
        [
          {
            typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
            value: { relayer, metadata, message: hexToBytes(message), tier: 1 },
          },
        ],
        'auto',
      ),
    ).rejects.toThrow(/HUB_MESSAGE_REPLAYED/);

    // Finality: mine until anvil's finalized block covers the deposit, read the tree there.
    const tc = createTestClient({ mode: 'anvil', transport: http(chains![0]!.rpcUrl) });
    await tc.mine({ blocks: 6 });
    const finalizedBlock = await owner.publicClient.getBlock({ blockTag: 'finalized' });
    expect(finalizedBlock.number).toBeGreaterThanOrEqual(receipt.blockNumber);
    const [froot, findex] = await owner.publicClient.readContract({
      address: core.merkleTreeHook,
      abi: merkleTreeHookAbi,
      functionName: 'latestCheckpoint',
      blockNumber: finalizedBlock.number,
    });
    expect(findex).toBe(index);
    const proof = new Uint8Array(1024);
    tree.proof(index, findex + 1).forEach((w, i) => {
      proof.set(hexToBytes(w), 32 * i);
    });
    const r2 = await client.signAndBroadcast(
      relayer,
      [
        {
          typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
          value: {
            relayer,
            origin: LOCAL,
            root: hexToBytes(froot),
            index: findex,
            messageId: hexToBytes(tree.leaf(findex)!),
            signatures: sigs(FINAL_KEYS.slice(1), froot, findex, tree.leaf(findex)!),
            proofs: [{ messageId: hexToBytes(id), leafIndex: index, proof }],
          },
        },
      ],
      'auto',
    );
    expect(r2.code, r2.rawLog).toBe(0);
    const b2 = await rest(`/v1/bridge/balances/${account}?stage=final`);
    expect(b2.body.balances).toEqual([
      {
        domain: LOCAL,
        token: usdc.toLowerCase(),
        symbol: 'USDC',
        stage: 'final',
        denom,
        amount: amount.toString(),
      },
    ]);
    expect((await rest(`/v1/bridge/balances/${account}?stage=provisional`)).body.balances).toEqual([]);
    expect(await bank.getAllBalances(account)).toContainEqual({ denom, amount: amount.toString() });
    const m2 = await rest(`/v1/bridge/messages/${id}`);
    expect(m2.body).toMatchObject({
      stage: 'final',
      credit: { holder: account, amount: amount.toString(), denom },
    });
    const origins = await rest('/v1/bridge/origins');
    expect(origins.body.origins).toMatchObject([
      { domain: LOCAL, delivered: '1', finalized: '1', final_checkpoint: { index: 0, root: froot } },
    ]);
    // The vault really holds the tokens the hub credited.
    const vaultBalance = await owner.publicClient.readContract({
      address: usdc,
      abi: mockERC20Abi,
      functionName: 'balanceOf',
      args: [app.vault],
    });
    expect(vaultBalance).toBe(amount);
  });
});

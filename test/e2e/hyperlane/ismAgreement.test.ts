/**
 * The STF agrees with the REAL Hyperlane contracts on anvil (deployed from `@hyperlane-xyz/core`
 * by `devnet/evm`): for a table of deliveries built with `bridge/` helpers around messages the real
 * MarginVault dispatched (roots read from the real MerkleTreeHook), the verdict of
 * `StaticMessageIdMultisigIsm.verify` / `StaticMerkleRootMultisigIsm.verify` (eth_call through viem)
 * and the hub's `checkProcessMessage` agree — accept, or reject with the row's own receipt code.
 * Rows the ISM does not decide (replay, destination, version) are compared with a real `Mailbox`
 * deployed with localDomain = HUB_DOMAIN. Two rows where the hub is stricter by design (an unpinned
 * tree hook, an unenrolled sender): the contract accepts, the hub refuses with its own code.
 */
import { type Address, type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressToBytes32,
  bytesToHex,
  encodeMerkleRootMultisigMetadata,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  hexToBytes,
  IncrementalMerkleTree,
  messageId,
  signCheckpoint,
} from '../../../bridge/index.ts';
import {
  applyProcessMessage,
  type BridgeConfig,
  checkProcessMessage,
  HUB_DOMAIN,
  HUB_RECIPIENT,
  HUB_SENDER,
  isChainError,
  MODULE_TYPE,
} from '../../../chain/index.ts';
import { marginVaultAbi, mockERC20Abi } from '../../../contracts-abi/index.ts';
import { createEvmClients, type EvmClients } from '../../../devnet/evm/clients.ts';
import {
  deployHyperlaneCore,
  deployMultisigIsm,
  type HyperlaneCoreAddresses,
  mailboxAbi,
  merkleTreeHookAbi,
  staticMultisigIsmAbi,
} from '../../../devnet/evm/deployHyperlane.ts';
import { deployUnimarginContracts, type UnimarginEvmAddresses } from '../../../devnet/evm/deployUnimargin.ts';
import { ANVIL_KEYS, startTestChains, stopTestChains, type TestChain } from '../../helpers/anvil.ts';
import {
  bridgeState,
  ctxAt,
  FAST_KEYS,
  FAST_VALIDATORS,
  FINAL_VALIDATORS,
  processMsg,
  STRANGER_KEY,
} from '../../unit/hyperlane/fixtures.ts';

const LOCAL = 31337;
const OTHER = 31338; // configured on the hub with the same validators, for the wrong-origin row

let chains: TestChain[] | undefined;
let owner: EvmClients;
let user: EvmClients;
let core: HyperlaneCoreAddresses;
let mirror: HyperlaneCoreAddresses; // a real Mailbox whose localDomain is the hub's
let app: UnimarginEvmAddresses;
let idIsm: Address;
let rootIsm: Address;
const tree = new IncrementalMerkleTree();
const dispatched: Hex[] = [];

function hubConfig(fastType: number): BridgeConfig {
  const ism = (validators: readonly Hex[], type: number) => ({
    moduleType: type,
    validators: validators.map((v) => hexToBytes(v)),
    threshold: 2,
  });
  const origin = (domain: number, name: string, vault: Uint8Array, adapter: Uint8Array) => ({
    domain,
    name,
    fastIsm: ism(FAST_VALIDATORS, fastType),
    finalIsm: ism(FINAL_VALIDATORS, MODULE_TYPE.MESSAGE_ID_MULTISIG),
    merkleTreeHook: hexToBytes(addressToBytes32(core.merkleTreeHook)),
    vault,
    adapter,
    expectedFinalityMs: 12_000n,
    timeoutMs: 60_000n,
    tokens: [{ token: hexToBytes(app.tokens.USDC!), decimals: 6, symbol: 'USDC' }],
  });
  return {
    hubDomain: HUB_DOMAIN,
    origins: [
      origin(
        LOCAL,
        'anvil',
        hexToBytes(addressToBytes32(app.vault)),
        hexToBytes(addressToBytes32(app.adapter)),
      ),
      origin(OTHER, 'other', new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)),
    ],
  };
}

const write = async (c: EvmClients, req: Parameters<EvmClients['walletClient']['writeContract']>[0]) => {
  const hash = await c.walletClient.writeContract(req);
  const r = await c.publicClient.waitForTransactionReceipt({ hash });
  expect(r.status).toBe('success');
  return r;
};

/** Records every Dispatch of `receipt` into the test's mirror of the origin tree. */
function track(receipt: { logs: Parameters<typeof parseEventLogs>[0]['logs'] }): Hex[] {
  const out: Hex[] = [];
  for (const l of parseEventLogs({ abi: mailboxAbi, logs: receipt.logs, eventName: 'Dispatch' })) {
    tree.insert(messageId(l.args.message));
    dispatched.push(l.args.message);
    out.push(l.args.message);
  }
  return out;
}

beforeAll(async () => {
  chains = await startTestChains(1);
  const c = chains[0]!;
  const mk = (i: number) =>
    createEvmClients({ rpcUrl: c.rpcUrl, chainId: c.chainId, privateKey: ANVIL_KEYS[i]! });
  owner = mk(0);
  user = mk(1);
  core = await deployHyperlaneCore(owner, { localDomain: LOCAL });
  app = await deployUnimarginContracts(owner, {
    core,
    hubSender: HUB_SENDER,
    hubValidators: FAST_VALIDATORS as Address[],
    hubThreshold: 2,
  });
  idIsm = await deployMultisigIsm(owner, core, {
    type: 'messageId',
    validators: FAST_VALIDATORS as Address[],
    threshold: 2,
  });
  rootIsm = await deployMultisigIsm(owner, core, {
    type: 'merkleRoot',
    validators: FAST_VALIDATORS as Address[],
    threshold: 2,
  });
  mirror = await deployHyperlaneCore(owner, {
    localDomain: HUB_DOMAIN,
    defaultIsm: idIsm,
    testRecipient: true,
  });
  const usdc = app.tokens.USDC!;
  await write(user, {
    address: usdc,
    abi: mockERC20Abi,
    functionName: 'mint',
    args: [user.walletClient.account.address, 10n ** 12n],
  });
  await write(user, {
    address: usdc,
    abi: mockERC20Abi,
    functionName: 'approve',
    args: [app.vault, 2n ** 256n - 1n],
  });
  for (const amount of [1_000_000n, 2_000_000n, 3_000_000n]) {
    track(
      await write(user, {
        address: app.vault,
        abi: marginVaultAbi,
        functionName: 'deposit',
        args: [usdc, amount],
      }),
    );
  }
  // An unenrolled sender: an EOA dispatching to the hub through the same real mailbox.
  track(
    await write(user, {
      address: core.mailbox,
      abi: mailboxAbi,
      functionName: 'dispatch',
      args: [HUB_DOMAIN, HUB_RECIPIENT, '0x01'],
    }),
  );
  const [root, index] = await owner.publicClient.readContract({
    address: core.merkleTreeHook,
    abi: merkleTreeHookAbi,
    functionName: 'latestCheckpoint',
  });
  expect([root, index]).toEqual([tree.root(), tree.count - 1]);
}, 120_000);

afterAll(async () => {
  await stopTestChains(chains);
});

const hook = () => addressToBytes32(core.merkleTreeHook);

function idMetadata(i: number, keys: readonly Hex[], opts: { hook?: Hex } = {}): Uint8Array {
  const root = tree.rootAt(i + 1);
  const id = messageId(dispatched[i]!);
  const h = opts.hook ?? hook();
  const signatures = keys.map((k) =>
    signCheckpoint(k, { origin: LOCAL, merkleTreeHook: h, root, index: i, messageId: id }),
  );
  return encodeMessageIdMultisigMetadata({ merkleTreeHook: h, root, index: i, signatures });
}

function rootMetadata(i: number, keys: readonly Hex[]): Uint8Array {
  const signedIndex = tree.count - 1;
  const root = tree.rootAt(signedIndex + 1);
  const signedMessageId = tree.leaf(signedIndex)!;
  const signatures = keys.map((k) =>
    signCheckpoint(k, {
      origin: LOCAL,
      merkleTreeHook: hook(),
      root,
      index: signedIndex,
      messageId: signedMessageId,
    }),
  );
  return encodeMerkleRootMultisigMetadata({
    merkleTreeHook: hook(),
    messageIndex: i,
    signedMessageId,
    proof: tree.proof(i, signedIndex + 1),
    signedIndex,
    signatures,
  });
}

const sigAt = (meta: Uint8Array, header: number, i: number) =>
  meta.slice(header + 65 * i, header + 65 * (i + 1));
function withSigs(meta: Uint8Array, header: number, sigs: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(header + 65 * sigs.length);
  out.set(meta.subarray(0, header));
  sigs.forEach((s, i) => {
    out.set(s, header + 65 * i);
  });
  return out;
}
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
function highS(sig: Uint8Array): Uint8Array {
  const out = sig.slice();
  const s = BigInt(bytesToHex(sig.subarray(32, 64)));
  out.set(hexToBytes(`0x${(N - s).toString(16).padStart(64, '0')}`), 32);
  out[64] = sig[64] === 27 ? 28 : 27;
  return out;
}
function setByte(b: Uint8Array | Hex, at: number, v: number): Uint8Array {
  const out = (typeof b === 'string' ? hexToBytes(b) : b).slice();
  out[at] = v;
  return out;
}

async function ismVerdict(ism: Address, metadata: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    return await owner.publicClient.readContract({
      address: ism,
      abi: staticMultisigIsmAbi,
      functionName: 'verify',
      args: [bytesToHex(metadata), bytesToHex(message)],
    });
  } catch {
    return false;
  }
}

function hubVerdict(
  state: Parameters<typeof checkProcessMessage>[0],
  message: Uint8Array,
  metadata: Uint8Array,
): string {
  try {
    checkProcessMessage(state, processMsg(message, metadata, 1));
    return 'OK';
  } catch (e) {
    if (isChainError(e)) return e.code;
    throw e;
  }
}

describe('STF vs the real multisig ISMs on anvil', () => {
  it('agrees on every row; stricter only where the hub rules say', async () => {
    const idState = await bridgeState(hubConfig(MODULE_TYPE.MESSAGE_ID_MULTISIG));
    const rootState = await bridgeState(hubConfig(MODULE_TYPE.MERKLE_ROOT_MULTISIG));
    const m0 = hexToBytes(dispatched[0]!);
    const good = idMetadata(0, [FAST_KEYS[0]!, FAST_KEYS[2]!]);
    const s0 = sigAt(good, 68, 0);
    const s1 = sigAt(good, 68, 1);
    const vOf = (sig: Uint8Array, v: number) => setByte(sig, 64, v);
    const relabelled = setByte(m0, 8, OTHER & 0xff); // origin 31337 → 31338
    const tampered = setByte(m0, m0.length - 1, m0[m0.length - 1]! ^ 1);
    const goodRoot = rootMetadata(1, FAST_KEYS.slice(0, 2));
    const corruptProof = setByte(goodRoot, 68 + 32 * 3 + 7, goodRoot[68 + 32 * 3 + 7]! ^ 0x40);
    const otherHook = addressToBytes32(mirror.merkleTreeHook);
    type Row = [
      name: string,
      ism: Address,
      state: typeof idState,
      message: Uint8Array,
      metadata: Uint8Array,
      contract: boolean,
      hub: string,
    ];
    const rows: Row[] = [
      ['valid (MessageId)', idIsm, idState, m0, good, true, 'OK'],
      [
        'valid (MerkleRoot, later checkpoint)',
        rootIsm,
        rootState,
        hexToBytes(dispatched[1]!),
        goodRoot,
        true,
        'OK',
      ],
      ['below threshold', idIsm, idState, m0, withSigs(good, 68, [s0]), false, 'BRIDGE_ISM_BELOW_THRESHOLD'],
      [
        'misordered signatures',
        idIsm,
        idState,
        m0,
        withSigs(good, 68, [s1, s0]),
        false,
        'BRIDGE_ISM_MISORDERED',
      ],
      [
        'same validator twice',
        idIsm,
        idState,
        m0,
        withSigs(good, 68, [s0, s0]),
        false,
        'BRIDGE_ISM_DUPLICATE_VALIDATOR',
      ],
      [
        'wrong signer',
        idIsm,
        idState,
        m0,
        idMetadata(0, [FAST_KEYS[0]!, STRANGER_KEY]),
        false,
        'BRIDGE_ISM_UNKNOWN_SIGNER',
      ],
      ['high s', idIsm, idState, m0, withSigs(good, 68, [highS(s0), s1]), false, 'BRIDGE_SIG_HIGH_S'],
      ['v = 0', idIsm, idState, m0, withSigs(good, 68, [vOf(s0, 0), s1]), false, 'BRIDGE_SIG_BAD_V'],
      ['v = 1', idIsm, idState, m0, withSigs(good, 68, [s0, vOf(s1, 1)]), false, 'BRIDGE_SIG_BAD_V'],
      ['wrong origin domain', idIsm, idState, relabelled, good, false, 'BRIDGE_ISM_WRONG_ORIGIN'],
      ['tampered body', idIsm, idState, tampered, good, false, 'BRIDGE_ISM_MESSAGE_MISMATCH'],
      [
        'corrupted proof',
        rootIsm,
        rootState,
        hexToBytes(dispatched[1]!),
        corruptProof,
        false,
        'BRIDGE_ISM_PROOF_MISMATCH',
      ],
      [
        'truncated metadata',
        idIsm,
        idState,
        m0,
        good.subarray(0, 68 + 65 + 30),
        false,
        'BRIDGE_METADATA_TRUNCATED',
      ],
      ['truncated header', idIsm, idState, m0, good.subarray(0, 40), false, 'BRIDGE_METADATA_TRUNCATED'],
      // Stricter than the contract, by design:
      [
        'unpinned tree hook',
        idIsm,
        idState,
        m0,
        idMetadata(0, FAST_KEYS.slice(0, 2), { hook: otherHook }),
        true,
        'BRIDGE_ISM_TREE_HOOK_UNPINNED',
      ],
      [
        'unenrolled sender',
        idIsm,
        idState,
        hexToBytes(dispatched[3]!),
        idMetadata(3, FAST_KEYS.slice(1)),
        true,
        'HUB_SENDER_NOT_ENROLLED',
      ],
    ];
    for (const [name, ism, state, message, metadata, contract, hub] of rows) {
      expect(await ismVerdict(ism, metadata, message), `${name}: contract`).toBe(contract);
      expect(hubVerdict(state, message, metadata), `${name}: hub`).toBe(hub);
    }
  });

  it('agrees with a real Mailbox (localDomain = HUB_DOMAIN) on replay, destination and version', async () => {
    const state = await bridgeState(hubConfig(MODULE_TYPE.MESSAGE_ID_MULTISIG));
    const recipient = addressToBytes32(mirror.testRecipient!);
    // A message to the mirror's TestRecipient, signed like any other (the ISM checks signatures, not trees).
    const sign = (message: Uint8Array, index: number) => {
      const id = messageId(message);
      const root = bytesToHex(new Uint8Array(32).fill(index + 1));
      const signatures = FAST_KEYS.slice(0, 2).map((k) =>
        signCheckpoint(k, { origin: LOCAL, merkleTreeHook: hook(), root, index, messageId: id }),
      );
      return encodeMessageIdMultisigMetadata({ merkleTreeHook: hook(), root, index, signatures });
    };
    const msg = (nonce: number, fields: { destination?: number; version?: number } = {}) =>
      encodeMessage({
        nonce,
        origin: LOCAL,
        sender: addressToBytes32(app.vault),
        destination: fields.destination ?? HUB_DOMAIN,
        recipient,
        body: '0x0102',
        ...(fields.version !== undefined ? { version: fields.version } : {}),
      });
    const process = async (message: Uint8Array, metadata: Uint8Array): Promise<boolean> => {
      try {
        const { request } = await owner.publicClient.simulateContract({
          account: owner.walletClient.account,
          address: mirror.mailbox,
          abi: mailboxAbi,
          functionName: 'process',
          args: [bytesToHex(metadata), bytesToHex(message)],
        });
        const hash = await owner.walletClient.writeContract(request);
        return (await owner.publicClient.waitForTransactionReceipt({ hash })).status === 'success';
      } catch {
        return false;
      }
    };
    const fresh = msg(900);
    expect(await process(fresh, sign(fresh, 0)), 'mailbox: first delivery').toBe(true);
    expect(await process(fresh, sign(fresh, 0)), 'mailbox: replay').toBe(false);
    const m0 = hexToBytes(dispatched[0]!);
    const meta0 = idMetadata(0, FAST_KEYS.slice(0, 2));
    applyProcessMessage(state, processMsg(m0, meta0, 1), ctxAt(2n));
    expect(hubVerdict(state, m0, meta0), 'hub: replay').toBe('HUB_MESSAGE_REPLAYED');
    const wrongDest = msg(901, { destination: 1 });
    expect(await process(wrongDest, sign(wrongDest, 1)), 'mailbox: wrong destination').toBe(false);
    expect(hubVerdict(state, wrongDest, sign(wrongDest, 1)), 'hub: wrong destination').toBe(
      'HUB_WRONG_DESTINATION',
    );
    const v2 = msg(902, { version: 2 });
    expect(await process(v2, sign(v2, 2)), 'mailbox: version 2').toBe(false);
    expect(hubVerdict(state, v2, sign(v2, 2)), 'hub: version 2').toBe('BRIDGE_MESSAGE_VERSION');
    const ok = msg(903);
    expect(await process(ok, sign(ok, 3)), 'mailbox: a control message still goes through').toBe(true);
  });
});

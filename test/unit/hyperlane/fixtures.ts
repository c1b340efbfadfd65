/**
 * Named fixtures for the Hyperlane STF tests: two origins (A and B, sharing validator sets so a
 * relabelled origin is diagnosable), fast and final validator keys, an origin simulator that
 * dispatches into its own IncrementalMerkleTree and signs metadata with `bridge/` helpers, and a
 * memory-backed state with the bridge genesis applied.
 */
import {
  addressOfPrivateKey,
  addressToBytes32,
  bytesToHex,
  encodeAppPayload,
  encodeMerkleRootMultisigMetadata,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  type Hex,
  hexToBytes,
  type InboundPayload,
  IncrementalMerkleTree,
  messageId,
  signCheckpoint,
} from '../../../bridge/index.ts';
import {
  type BridgeConfig,
  bech32FromBytes,
  DEFAULT_PARAMS,
  type Genesis,
  HUB_DOMAIN,
  HUB_RECIPIENT,
  initChain,
  MODULE_TYPE,
  type MsgContext,
  type MsgProcessMessage,
  secp,
} from '../../../chain/index.ts';
import { HubStore, MemoryKv, type StateView } from '../../../state/index.ts';

/** A deterministic private key (all bytes = n). */
export const key = (n: number): Hex => bytesToHex(new Uint8Array(32).fill(n));
/** Fast-tier validator keys (2 of 3). */
export const FAST_KEYS: readonly Hex[] = [key(11), key(12), key(13)];
/** Final-tier validator keys (2 of 3), disjoint from the fast ones. */
export const FINAL_KEYS: readonly Hex[] = [key(21), key(22), key(23)];
/** A key that validates nothing. */
export const STRANGER_KEY = key(99);

/** Validator addresses sorted as the ISM lists them (the list order is the signature order). */
export const FAST_VALIDATORS = FAST_KEYS.map(addressOfPrivateKey);
export const FINAL_VALIDATORS = FINAL_KEYS.map(addressOfPrivateKey);

export const ORIGIN_A = 31337;
export const ORIGIN_B = 31338;
export const HOOK_A = addressToBytes32(`0x${'a1'.repeat(20)}`);
export const HOOK_B = addressToBytes32(`0x${'b1'.repeat(20)}`);
export const VAULT_A = addressToBytes32(`0x${'a2'.repeat(20)}`);
export const ADAPTER_A = addressToBytes32(`0x${'a3'.repeat(20)}`);
export const VAULT_B = addressToBytes32(`0x${'b2'.repeat(20)}`);
export const ADAPTER_B = addressToBytes32(`0x${'b3'.repeat(20)}`);
export const USDC_A: Hex = `0x${'c1'.repeat(20)}`;
export const WETH_A: Hex = `0x${'c2'.repeat(20)}`;
/** A token not in A's registry. */
export const JUNK_A: Hex = `0x${'c9'.repeat(20)}`;

const bytes = (h: Hex) => hexToBytes(h);

/** The bridge config of the fixtures: A (USDC, WETH) and B (no tokens), MessageId ISMs, 2-of-3 per tier. */
export function fixtureBridge(opts: { merkleRootFast?: boolean } = {}): BridgeConfig {
  const ism = (keys: readonly Hex[], type: number) => ({
    moduleType: type,
    validators: keys.map((k) => bytes(addressOfPrivateKey(k))),
    threshold: 2,
  });
  const fastType = opts.merkleRootFast ? MODULE_TYPE.MERKLE_ROOT_MULTISIG : MODULE_TYPE.MESSAGE_ID_MULTISIG;
  return {
    hubDomain: HUB_DOMAIN,
    origins: [
      {
        domain: ORIGIN_A,
        name: 'chain-a',
        fastIsm: ism(FAST_KEYS, fastType),
        finalIsm: ism(FINAL_KEYS, MODULE_TYPE.MESSAGE_ID_MULTISIG),
        merkleTreeHook: bytes(HOOK_A),
        vault: bytes(VAULT_A),
        adapter: bytes(ADAPTER_A),
        expectedFinalityMs: 60_000n,
        timeoutMs: 180_000n,
        tokens: [
          { token: bytes(USDC_A), decimals: 6, symbol: 'USDC' },
          { token: bytes(WETH_A), decimals: 18, symbol: 'WETH' },
        ],
      },
      {
        domain: ORIGIN_B,
        name: 'chain-b',
        fastIsm: ism(FAST_KEYS, MODULE_TYPE.MESSAGE_ID_MULTISIG),
        finalIsm: ism(FINAL_KEYS, MODULE_TYPE.MESSAGE_ID_MULTISIG),
        merkleTreeHook: bytes(HOOK_B),
        vault: bytes(VAULT_B),
        adapter: bytes(ADAPTER_B),
        expectedFinalityMs: 60_000n,
        timeoutMs: 120_000n,
        tokens: [],
      },
    ],
  };
}

/** The relayer of direct-apply tests (any account: relaying is permissionless). */
export const RELAYER_KEY = new Uint8Array(32).fill(77);
export const RELAYER_ADDR = secp.publicKeyCreate(RELAYER_KEY, true);

/** A memory state with a genesis holding `accounts` (bech32) and the fixture bridge applied. */
export async function bridgeState(bridge: BridgeConfig = fixtureBridge()): Promise<StateView> {
  const store = await HubStore.open(new MemoryKv());
  const view = store.view();
  const genesis: Genesis = {
    chainId: 'unimargin-test-1',
    genesisTimeMs: 1_000n,
    authority: bech32FromBytes(new Uint8Array(20).fill(1)),
    sequencerPubKey: new Uint8Array(32).fill(2),
    params: { ...DEFAULT_PARAMS },
    accounts: [],
    bridge,
  };
  initChain(view, genesis);
  return view;
}

/** A context for direct `apply` calls. */
export function ctxAt(height: bigint, signer = new Uint8Array(20).fill(7)): MsgContext {
  return { chainId: 'unimargin-test-1', height, timeMs: 1_000_000n + height * 1000n, authority: '', signer };
}
export const RELAYER = bech32FromBytes(new Uint8Array(20).fill(7));

/** One dispatched message on a simulated origin. */
export interface Dispatched {
  message: Uint8Array;
  id: Hex;
  index: number;
}

/** A simulated origin chain: mailbox nonce, merkle tree, metadata signing. */
export class OriginSim {
  readonly tree = new IncrementalMerkleTree();
  nonce = 0;
  constructor(
    readonly domain: number,
    readonly hook: Hex,
    readonly vault: Hex,
    readonly adapter: Hex,
  ) {}

  /** Dispatches `body` from `sender` (default the vault) to the hub. */
  dispatch(
    body: Uint8Array | InboundPayload,
    opts: { sender?: Hex; destination?: number; recipient?: Hex } = {},
  ): Dispatched {
    const b = body instanceof Uint8Array ? body : encodeAppPayload(body);
    const message = encodeMessage({
      nonce: this.nonce++,
      origin: this.domain,
      sender: opts.sender ?? this.vault,
      destination: opts.destination ?? HUB_DOMAIN,
      recipient: opts.recipient ?? HUB_RECIPIENT,
      body: b,
    });
    const id = messageId(message);
    const index = this.tree.insert(id);
    return { message, id, index };
  }

  /** MessageId metadata for `d`, signed by `keys` over (origin, hook, root after d, index, id). */
  messageIdMetadata(
    d: Dispatched,
    keys: readonly Hex[],
    opts: { hook?: Hex; signOrigin?: number } = {},
  ): Uint8Array {
    const hook = opts.hook ?? this.hook;
    const root = this.tree.rootAt(d.index + 1);
    const signatures = keys.map((k) =>
      signCheckpoint(k, {
        origin: opts.signOrigin ?? this.domain,
        merkleTreeHook: hook,
        root,
        index: d.index,
        messageId: d.id,
      }),
    );
    return encodeMessageIdMultisigMetadata({ merkleTreeHook: hook, root, index: d.index, signatures });
  }

  /** MerkleRoot metadata proving `d` against the checkpoint at `signedIndex` (default: latest). */
  merkleRootMetadata(d: Dispatched, keys: readonly Hex[], signedIndex = this.tree.count - 1): Uint8Array {
    const root = this.tree.rootAt(signedIndex + 1);
    const signedMessageId = this.tree.leaf(signedIndex)!;
    const signatures = keys.map((k) =>
      signCheckpoint(k, {
        origin: this.domain,
        merkleTreeHook: this.hook,
        root,
        index: signedIndex,
        messageId: signedMessageId,
      }),
    );
    return encodeMerkleRootMultisigMetadata({
      merkleTreeHook: this.hook,
      messageIndex: d.index,
      signedMessageId,
      proof: this.tree.proof(d.index, signedIndex + 1),
      signedIndex,
      signatures,
    });
  }

  /** The checkpoint after leaf `index`, signed by `keys`. */
  checkpoint(
    index: number,
    keys: readonly Hex[],
  ): { root: Uint8Array; index: number; messageId: Uint8Array; signatures: Uint8Array[] } {
    const root = this.tree.rootAt(index + 1);
    const id = this.tree.leaf(index)!;
    return {
      root: hexToBytes(root),
      index,
      messageId: hexToBytes(id),
      signatures: keys.map((k) =>
        signCheckpoint(k, { origin: this.domain, merkleTreeHook: this.hook, root, index, messageId: id }),
      ),
    };
  }

  /** A flat 1024-byte proof of leaf `leaf` against the checkpoint at `index`. */
  proof(leaf: number, index: number): Uint8Array {
    const words = this.tree.proof(leaf, index + 1);
    const out = new Uint8Array(1024);
    words.forEach((w, i) => {
      out.set(hexToBytes(w), 32 * i);
    });
    return out;
  }
}

/** Origin A and B simulators. */
export const simA = () => new OriginSim(ORIGIN_A, HOOK_A, VAULT_A, ADAPTER_A);
export const simB = () => new OriginSim(ORIGIN_B, HOOK_B, VAULT_B, ADAPTER_B);

/** A MsgProcessMessage. */
export function processMsg(message: Uint8Array, metadata: Uint8Array, tier = 0): MsgProcessMessage {
  return { relayer: RELAYER, metadata, message, tier };
}

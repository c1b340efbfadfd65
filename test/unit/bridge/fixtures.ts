/**
 * Shared fixtures for the bridge tests: anvil's well-known keys as validators, a small origin tree,
 * metadata builders, and a reference multisig ISM written from the Solidity with viem (pure JS
 * recovery), independent of `bridge/core`'s native path and two-pointer code.
 */
import {
  encodePacked,
  type Hex,
  hashMessage,
  hexToBigInt,
  recoverAddress,
  serializeSignature,
  keccak256 as viemKeccak,
} from 'viem';
import { privateKeyToAddress, sign } from 'viem/accounts';
import {
  bytesToHex,
  type Checkpoint,
  checkpointDigest,
  encodeMerkleRootMultisigMetadata,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  IncrementalMerkleTree,
  messageId,
} from '../../../bridge/index.ts';

/** anvil's first keys (standard test mnemonic). */
export const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const;
/** Addresses of {@link KEYS}, derived by viem (lowercase). */
export const ADDRS = KEYS.map((k) => privateKeyToAddress(k).toLowerCase() as Hex);
/** A 2-of-3 set: keys 0, 1, 2 in that order; key 3 is an outsider. */
export const VALIDATORS = [ADDRS[0]!, ADDRS[1]!, ADDRS[2]!];
export const THRESHOLD = 2;

export const HUB_DOMAIN = 0x554d5247;
export const ORIGIN = 1000;
export const OTHER_ORIGIN = 2000;
export const HOOK = `0x${'00'.repeat(12)}${'22'.repeat(20)}` as Hex;
export const SENDER = `0x${'00'.repeat(12)}${'11'.repeat(20)}` as Hex;
export const RECIPIENT = `0x${'00'.repeat(12)}${'33'.repeat(20)}` as Hex;

/** secp256k1 order n. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The i-th origin message (body varies with i). */
export function originMessage(i: number, origin = ORIGIN): Uint8Array {
  return encodeMessage({
    nonce: i,
    origin,
    sender: SENDER,
    destination: HUB_DOMAIN,
    recipient: RECIPIENT,
    body: new Uint8Array([0x01, i & 0xff, 0xab, 0xcd]),
  });
}

/** Signs a digest with viem (noble, RFC 6979) as 65-byte r ‖ s ‖ v. */
export async function viemSign(key: Hex, digest: Hex): Promise<Uint8Array> {
  const sig = serializeSignature(await sign({ hash: digest, privateKey: key }));
  return Uint8Array.from(Buffer.from(sig.slice(2), 'hex'));
}

/** The world of one origin with 5 dispatched messages. */
export interface OriginWorld {
  readonly messages: Uint8Array[];
  readonly tree: IncrementalMerkleTree;
}

export function buildOriginWorld(count = 5, origin = ORIGIN): OriginWorld {
  const tree = new IncrementalMerkleTree();
  const messages: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const m = originMessage(i, origin);
    messages.push(m);
    tree.insert(messageId(m));
  }
  return { messages, tree };
}

/** The checkpoint after leaf `index` of `world` (root at count index + 1). */
export function checkpointAt(
  world: OriginWorld,
  index: number,
  origin = ORIGIN,
  hook: Hex = HOOK,
): Checkpoint {
  return {
    origin,
    merkleTreeHook: hook,
    root: world.tree.rootAt(index + 1),
    index,
    messageId: messageId(world.messages[index]!),
  };
}

/** Signatures by the given key indexes over `checkpoint`. */
export async function signBy(keys: readonly number[], checkpoint: Checkpoint): Promise<Uint8Array[]> {
  const digest = checkpointDigest(checkpoint);
  return Promise.all(keys.map((k) => viemSign(KEYS[k]!, digest)));
}

export function messageIdMetadata(cp: Checkpoint, sigs: readonly Uint8Array[]): Uint8Array {
  return encodeMessageIdMultisigMetadata({
    merkleTreeHook: cp.merkleTreeHook,
    root: cp.root,
    index: cp.index,
    signatures: sigs,
  });
}

export function merkleRootMetadata(
  world: OriginWorld,
  messageIndex: number,
  cp: Checkpoint,
  sigs: readonly Uint8Array[],
): Uint8Array {
  return encodeMerkleRootMultisigMetadata({
    merkleTreeHook: cp.merkleTreeHook,
    messageIndex,
    signedMessageId: cp.messageId,
    proof: world.tree.proof(messageIndex, cp.index + 1),
    signedIndex: cp.index,
    signatures: sigs,
  });
}

/** A high-s twin of a low-s signature: s' = n − s, v flipped (the same signer under ecrecover). */
export function toHighS(sig: Uint8Array): Uint8Array {
  const out = sig.slice();
  const s = hexToBigInt(bytesToHex(sig.subarray(32, 64)));
  const hs = (N - s).toString(16).padStart(64, '0');
  out.set(Uint8Array.from(Buffer.from(hs, 'hex')), 32);
  out[64] = sig[64] === 27 ? 28 : 27;
  return out;
}

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

// OpenZeppelin 4.9.3 ECDSA.recover with viem's recovery underneath; throws where OZ reverts.
async function ozRecover(digest: Hex, sig: Uint8Array): Promise<string> {
  if (sig.length !== 65) throw new Error('InvalidSignatureLength');
  const s = hexToBigInt(bytesToHex(sig.subarray(32, 64)));
  if (s > HALF_N) throw new Error('InvalidSignatureS');
  const v = sig[64]!;
  const r = hexToBigInt(bytesToHex(sig.subarray(0, 32)));
  // ecrecover returns address(0) for these; OZ turns that into InvalidSignature.
  if ((v !== 27 && v !== 28) || r === 0n || r >= N || s === 0n) throw new Error('InvalidSignature');
  return (await recoverAddress({ hash: digest, signature: bytesToHex(sig) })).toLowerCase();
}

function refDigest(origin: number, hook: Hex, root: Hex, index: number, id: Hex): Hex {
  const dh = viemKeccak(encodePacked(['uint32', 'bytes32', 'string'], [origin, hook, 'HYPERLANE']));
  return hashMessage({
    raw: viemKeccak(encodePacked(['bytes32', 'bytes32', 'uint32', 'bytes32'], [dh, root, index, id])),
  });
}

const slice = (b: Uint8Array, from: number, to: number) => {
  if (b.length < to) throw new Error('slice out of bounds');
  return b.subarray(from, to);
};
const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o);

async function refWalk(
  validators: readonly string[],
  t: number,
  digest: Hex,
  sigAt: (i: number) => Uint8Array,
): Promise<boolean> {
  if (t === 0) throw new Error('No MultisigISM threshold present for message');
  let vi = 0;
  for (let i = 0; i < t; i++) {
    const signer = await ozRecover(digest, sigAt(i));
    while (vi < validators.length && signer !== validators[vi]) vi++;
    if (vi >= validators.length) throw new Error('!threshold');
    vi++;
  }
  return true;
}

/** Reference `StaticMessageIdMultisigIsm.verify`: true, or false where the contract reverts. */
export async function refVerifyMessageId(
  message: Uint8Array,
  metadata: Uint8Array,
  validators: readonly string[],
  t: number,
) {
  try {
    const origin = u32(slice(message, 5, 9), 0);
    const id = viemKeccak(message);
    const hook = bytesToHex(slice(metadata, 0, 32));
    const root = bytesToHex(slice(metadata, 32, 64));
    const index = u32(slice(metadata, 64, 68), 0);
    const digest = refDigest(origin, hook, root, index, id);
    return await refWalk(validators, t, digest, (i) => slice(metadata, 68 + 65 * i, 68 + 65 * (i + 1)));
  } catch {
    return false;
  }
}

/** Reference `StaticMerkleRootMultisigIsm.verify`. */
export async function refVerifyMerkleRoot(
  message: Uint8Array,
  metadata: Uint8Array,
  validators: readonly string[],
  t: number,
) {
  try {
    const origin = u32(slice(message, 5, 9), 0);
    const id = viemKeccak(message);
    const hook = bytesToHex(slice(metadata, 0, 32));
    const messageIndex = u32(slice(metadata, 32, 36), 0);
    const signedId = bytesToHex(slice(metadata, 36, 68));
    const signedIndex = u32(slice(metadata, 1092, 1096), 0);
    if (messageIndex > signedIndex) throw new Error('Invalid merkle index metadata');
    let cur: Hex = id;
    for (let i = 0; i < 32; i++) {
      const sib = bytesToHex(slice(metadata, 68 + 32 * i, 100 + 32 * i));
      cur =
        Math.floor(messageIndex / 2 ** i) % 2 === 1
          ? viemKeccak(`${sib}${cur.slice(2)}` as Hex)
          : viemKeccak(`${cur}${sib.slice(2)}` as Hex);
    }
    const digest = refDigest(origin, hook, cur, signedIndex, signedId);
    return await refWalk(validators, t, digest, (i) => slice(metadata, 1096 + 65 * i, 1096 + 65 * (i + 1)));
  } catch {
    return false;
  }
}

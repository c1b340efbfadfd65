/**
 * Bridge pure core throughput: keccak-256 (noble), native secp256k1 recovery r, and the hub's
 * per-message ISM work (message id + MessageIdMultisig 2-of-3 verification) against r/t, plus the
 * MerkleRoot ISM, tree insert, proof and payload decode. Run: `npm run bench -- bridge`.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { keccak_256 } from '@noble/hashes/sha3';
import type secp256k1Types from 'secp256k1';
import {
  type Checkpoint,
  checkpointDigest,
  decodeAppPayload,
  EMPTY_MERKLE_TREE,
  encodeAppPayload,
  encodeMerkleRootMultisigMetadata,
  encodeMessage,
  encodeMessageIdMultisigMetadata,
  IncrementalMerkleTree,
  insertLeaf,
  type MerkleTree,
  messageId,
  prepareMessage,
  recoverSignerRaw,
  signDigest,
  verifyMerkleRootMultisig,
  verifyMessageIdMultisig,
} from '../bridge/index.ts';

const native = createRequire(import.meta.url)('secp256k1/bindings') as typeof secp256k1Types;

const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const;
const VALIDATORS = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
] as const;
const T = 2;
const HOOK = `0x${'00'.repeat(12)}${'22'.repeat(20)}` as const;

/** Runs `f(i)` for about `ms` milliseconds after a warm-up; returns operations per second. */
function rate(f: (i: number) => unknown, ms = 1500): number {
  for (let i = 0; i < 200; i++) f(i);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 50; k++) f(n++);
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

// Fixtures: N messages (DEPOSIT bodies) in one origin tree, each with MessageId and MerkleRoot metadata.
const N = 256;
const tree = new IncrementalMerkleTree();
const messages: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  const body = encodeAppPayload({
    kind: 'DEPOSIT',
    depositor: `0x${(i + 1).toString(16).padStart(40, '0')}`,
    token: `0x${'b2'.repeat(20)}`,
    amount: 10n ** 18n + BigInt(i),
    depositNonce: BigInt(i),
  });
  const m = encodeMessage({
    nonce: i,
    origin: 1,
    sender: HOOK,
    destination: 0x554d5247,
    recipient: HOOK,
    body,
  });
  messages.push(m);
  tree.insert(messageId(m));
}
const midMeta: Uint8Array[] = [];
const mrMeta: Uint8Array[] = [];
const last: Checkpoint = {
  origin: 1,
  merkleTreeHook: HOOK,
  root: tree.root(),
  index: N - 1,
  messageId: messageId(messages[N - 1]!),
};
const lastSigs = [signDigest(KEYS[0], checkpointDigest(last)), signDigest(KEYS[2], checkpointDigest(last))];
for (let i = 0; i < N; i++) {
  const cp: Checkpoint = {
    origin: 1,
    merkleTreeHook: HOOK,
    root: tree.rootAt(i + 1),
    index: i,
    messageId: messageId(messages[i]!),
  };
  const d = checkpointDigest(cp);
  const sigs = [signDigest(KEYS[0], d), signDigest(KEYS[2], d)];
  midMeta.push(
    encodeMessageIdMultisigMetadata({ merkleTreeHook: HOOK, root: cp.root, index: i, signatures: sigs }),
  );
  mrMeta.push(
    encodeMerkleRootMultisigMetadata({
      merkleTreeHook: HOOK,
      messageIndex: i,
      signedMessageId: last.messageId,
      proof: tree.proof(i),
      signedIndex: last.index,
      signatures: lastSigs,
    }),
  );
}
const config = { validators: VALIDATORS as unknown as `0x${string}`[], threshold: T };
for (let i = 0; i < N; i++) {
  if (!verifyMessageIdMultisig(messages[i]!, midMeta[i]!, config).ok)
    throw new Error(`fixture ${i} does not verify`);
  if (!verifyMerkleRootMultisig(messages[i]!, mrMeta[i]!, config).ok)
    throw new Error(`MR fixture ${i} does not verify`);
}

const word32 = keccak_256(new Uint8Array([1]));
const word64 = new Uint8Array(64).fill(7);
const digests = messages.map((m) => keccak_256(m));
const sigs = digests.map((d) => native.ecdsaSign(d, Uint8Array.from(Buffer.from(KEYS[0].slice(2), 'hex'))));
const sig65 = sigs.map((s) => new Uint8Array([...s.signature, 27 + s.recid]));

const keccak32 = rate(() => keccak_256(word32));
const keccak64 = rate(() => keccak_256(word64));
const keccakMsg = rate((i) => keccak_256(messages[i % N]!));
// r: the native recovery floor (libsecp256k1 ecdsaRecover to a public key).
const r = rate((i) =>
  native.ecdsaRecover(sigs[i % N]!.signature, sigs[i % N]!.recid, digests[i % N]!, false),
);
const recoverUncached = rate((i) => {
  const pub = native.ecdsaRecover(sigs[i % N]!.signature, sigs[i % N]!.recid, digests[i % N]!, false);
  return keccak_256(pub.subarray(1)).subarray(12);
});
const recoverCached = rate((i) => recoverSignerRaw(digests[i % N]!, sig65[i % N]!));
// The STF's path: decode + id once (prepareMessage), then the ISM reusing that id.
const midVerify = rate(
  (i) => verifyMessageIdMultisig(prepareMessage(messages[i % N]!), midMeta[i % N]!, config).ok,
);
const mrVerify = rate((i) => verifyMerkleRootMultisig(messages[i % N]!, mrMeta[i % N]!, config).ok);
let t: MerkleTree = EMPTY_MERKLE_TREE;
const insert = rate((i) => {
  t = insertLeaf(t, digests[i % N]!).tree;
});
const proof = rate((i) => tree.proof(i % N));
const payload = rate((i) => decodeAppPayload(messages[i % N]!.subarray(77)));

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const rows: [string, number, string, number][] = [
  ['keccak-256, 32 B (noble)', keccak32, 'r (native ecdsaRecover)', r],
  ['keccak-256, 64 B (noble)', keccak64, 'r (native ecdsaRecover)', r],
  ['keccak-256 of a 206 B message', keccakMsg, 'r (native ecdsaRecover)', r],
  ['recover → address, ecdsaRecover + keccak', recoverUncached, 'r (native ecdsaRecover)', r],
  ['recover → address, our path (pubkey → address memo)', recoverCached, 'r (native ecdsaRecover)', r],
  ['prepareMessage (decode + id) + MessageId ISM 2-of-3', midVerify, 'r / t (t = 2)', r / T],
  ['MerkleRoot ISM 2-of-3 (proof at depth 32)', mrVerify, 'r / t (t = 2)', r / T],
  ['tree insert (compact state, copy per insert)', insert, 'keccak-256, 64 B', keccak64],
  ['proof from stored nodes (256 leaves)', proof, 'keccak-256, 64 B', keccak64],
  ['app payload decode (DEPOSIT, strict)', payload, 'r / t (t = 2)', r / T],
];
const lines = [
  '## Bridge pure core',
  '',
  'One core, `bench/bridge.bench.ts`. r = native libsecp256k1 public-key recovery (`ecdsaRecover`), measured',
  'in the same run; t recoveries per message are the floor of any ISM check, so the ISM figures are',
  'compared with r/t (t = threshold = 2). Validators recur, so our path memoises pubkey → address.',
  '',
  '| figure | ops/s | baseline | baseline ops/s | ratio |',
  '| --- | ---: | --- | ---: | ---: |',
  ...rows.map(
    ([name, v, base, b]) => `| ${name} | ${fmt(v)} | ${base} | ${fmt(b)} | ${(v / b).toFixed(2)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (process.env.BENCH_RESULTS) writeFileSync(process.env.BENCH_RESULTS, `${lines.join('\n')}\n`);

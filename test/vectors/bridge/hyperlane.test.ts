/**
 * Golden values from independent sources: Hyperlane's public vectors (notes/hyperlane.md), the
 * zero-hash constants written in `Merkle.sol` inside `@hyperlane-xyz/core`, viem's EIP-191 and
 * signature recovery (pure JS, not our native path), and `@hyperlane-xyz/utils` (ethers v5).
 */
import { readFileSync } from 'node:fs';
import {
  formatMessage,
  domainHash as hlDomainHash,
  messageId as hlMessageId,
  parseMessage,
} from '@hyperlane-xyz/utils';
import fc from 'fast-check';
import { hashMessage, recoverAddress, serializeSignature, keccak256 as viemKeccak } from 'viem';
import { privateKeyToAddress, sign } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  addressToBytes32,
  announcementDigest,
  bytesToHex,
  type Checkpoint,
  checkpointDigest,
  checkpointHash,
  decodeMessage,
  domainHash,
  EMPTY_MERKLE_TREE,
  eip191Digest,
  encodeMessage,
  IncrementalMerkleTree,
  insertLeaf,
  messageId,
  signAnnouncement,
  signCheckpoint,
  treeRoot,
  ZERO_HASHES,
} from '../../../bridge/index.ts';

const ANVIL_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ANVIL_ADDR_0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const b32 = (byte: string) => `0x${'00'.repeat(12)}${byte.repeat(20)}` as const;

const VECTOR_MESSAGE = {
  version: 3,
  nonce: 0,
  origin: 1000,
  sender: b32('11'),
  destination: 2000,
  recipient: b32('22'),
  body: '0x1234',
} as const;
const VECTOR_ID = '0xf8a66f8aadee751d842616fee0ed14a3ad6da1e13564920364ee0ad35a02703f';

describe('Hyperlane public vectors', () => {
  it('message: 79 bytes and the published id', () => {
    const bytes = encodeMessage(VECTOR_MESSAGE);
    expect(bytes.length).toBe(79);
    expect(messageId(bytes)).toBe(VECTOR_ID);
    expect(viemKeccak(bytes)).toBe(VECTOR_ID);
  });

  it('domain hashes with tree hook b32(0x2222…22)', () => {
    expect(domainHash(1, b32('22'))).toBe(
      '0xbbca56eb98960a4637eb40486d9a069550dd70d9c185ed138516e8e33cf3d7e7',
    );
    expect(domainHash(2, b32('22'))).toBe(
      '0xa6a93d86d397028e41995d521ccbc270e6db2a2fc530dcb7f0135254f30c8424',
    );
  });

  it('empty tree root', () => {
    expect(treeRoot(EMPTY_MERKLE_TREE)).toBe(
      '0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757',
    );
    expect(ZERO_HASHES[32]).toBe('0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757');
  });

  it('zero hashes equal the Z_i constants written in Merkle.sol', () => {
    const src = readFileSync(
      new URL('../../../node_modules/@hyperlane-xyz/core/contracts/libs/Merkle.sol', import.meta.url),
      'utf8',
    );
    const consts = [...src.matchAll(/Z_(\d+)\s*=\s*hex"([0-9a-f]{64})"/g)].map((m) => [
      Number(m[1]),
      `0x${m[2]}`,
    ]);
    expect(consts.length).toBe(32);
    for (const [i, z] of consts) expect(ZERO_HASHES[i as number], `Z_${i}`).toBe(z);
  });

  it('root of EIP-191-hashed leaves "one", "two", "three"', () => {
    let tree = EMPTY_MERKLE_TREE;
    for (const w of ['one', 'two', 'three']) tree = insertLeaf(tree, hashMessage(w)).tree;
    expect(treeRoot(tree)).toBe('0x18f2f1646fee335a1eaf5191a8ce58ea772080057d0fda687df59c45e47e6f68');
  });

  it('v3 signed checkpoint with anvil key #0', () => {
    const t = new IncrementalMerkleTree();
    t.insert(VECTOR_ID);
    const root = t.root();
    expect(root).toBe('0xd4c28346ff7c531a290703a3746addb9f715f7430c533229bbc948cf4f0f6dd9');
    const cp: Checkpoint = { origin: 1000, merkleTreeHook: b32('22'), root, index: 0, messageId: VECTOR_ID };
    const digest = checkpointDigest(cp);
    expect(digest).toBe('0xc580c8bfb1bf5aa5ed35a4cd2ea8f8f961eec40b9885416ca8e6a65b12b68523');
    // EIP-191 against viem's hashMessage over the raw 32 bytes.
    expect(eip191Digest(checkpointHash(cp))).toBe(hashMessage({ raw: checkpointHash(cp) }));
    expect(privateKeyToAddress(ANVIL_KEY_0).toLowerCase()).toBe(ANVIL_ADDR_0);
  });

  it('our native signature equals viem (noble, RFC 6979) and recovers to anvil #0', async () => {
    const cp: Checkpoint = {
      origin: 1000,
      merkleTreeHook: b32('22'),
      root: '0xd4c28346ff7c531a290703a3746addb9f715f7430c533229bbc948cf4f0f6dd9',
      index: 0,
      messageId: VECTOR_ID,
    };
    const ours = bytesToHex(signCheckpoint(ANVIL_KEY_0, cp));
    const theirs = serializeSignature(await sign({ hash: checkpointDigest(cp), privateKey: ANVIL_KEY_0 }));
    expect(ours).toBe(theirs.toLowerCase());
    expect((await recoverAddress({ hash: checkpointDigest(cp), signature: ours })).toLowerCase()).toBe(
      ANVIL_ADDR_0,
    );
  });

  it('announcement digest: mailbox, "HYPERLANE_ANNOUNCEMENT", storage location', async () => {
    const mailbox = b32('33');
    const loc = 'file:///tmp/validator-0';
    // Second implementation: viem encodePacked + keccak + hashMessage.
    const { encodePacked } = await import('viem');
    const sep = viemKeccak(
      encodePacked(['uint32', 'bytes32', 'string'], [31337, mailbox, 'HYPERLANE_ANNOUNCEMENT']),
    );
    const expected = hashMessage({ raw: viemKeccak(encodePacked(['bytes32', 'string'], [sep, loc])) });
    expect(announcementDigest(31337, mailbox, loc)).toBe(expected);
    const sig = signAnnouncement(ANVIL_KEY_0, 31337, mailbox, loc);
    expect((await recoverAddress({ hash: expected, signature: bytesToHex(sig) })).toLowerCase()).toBe(
      ANVIL_ADDR_0,
    );
  });
});

describe('agreement with @hyperlane-xyz/utils on 10k random messages', () => {
  it('formatMessage, messageId, parseMessage, domainHash', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(bytesToHex);
    const arb = fc.record({
      nonce: u32,
      origin: u32,
      destination: u32,
      sender: fc.oneof(
        word,
        address.map((a) => addressToBytes32(a)),
      ),
      recipient: word,
      body: fc.uint8Array({ maxLength: 300 }).map(bytesToHex),
      hook: word,
    });
    let n = 0;
    fc.assert(
      fc.property(arb, (m) => {
        n++;
        const ours = encodeMessage({ ...m, version: 3 });
        const theirs = formatMessage(3, m.nonce, m.origin, m.sender, m.destination, m.recipient, m.body);
        expect(bytesToHex(ours)).toBe(theirs.toLowerCase());
        expect(messageId(ours)).toBe(hlMessageId(theirs).toLowerCase());
        const parsed = parseMessage(theirs);
        const decoded = decodeMessage(ours);
        expect(decoded.version).toBe(parsed.version);
        expect(decoded.nonce).toBe(parsed.nonce);
        expect(decoded.origin).toBe(parsed.origin);
        expect(decoded.sender).toBe(parsed.sender.toLowerCase());
        expect(decoded.destination).toBe(parsed.destination);
        expect(decoded.recipient).toBe(parsed.recipient.toLowerCase());
        expect(bytesToHex(decoded.body)).toBe(parsed.body.toLowerCase());
        expect(domainHash(m.origin, m.hook)).toBe(hlDomainHash(m.origin, m.hook).toLowerCase());
      }),
      { numRuns: 10_000, seed: 20261125 },
    );
    expect(n).toBe(10_000);
  });
});

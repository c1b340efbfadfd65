/**
 * Properties of the metadata codecs and ISM verification: round trips, and that any single bit
 * flip in a valid (message, metadata) pair makes verification fail with a typed error (never a
 * raw throw), for both ISM types.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BridgeError,
  bytesToHex,
  decodeMerkleRootMultisigMetadata,
  decodeMessageIdMultisigMetadata,
  encodeMerkleRootMultisigMetadata,
  encodeMessageIdMultisigMetadata,
  isBridgeError,
  verifyIsm,
} from '../../../bridge/index.ts';
import {
  buildOriginWorld,
  checkpointAt,
  merkleRootMetadata,
  messageIdMetadata,
  type OriginWorld,
  signBy,
  VALIDATORS,
} from '../../unit/bridge/fixtures.ts';

const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const sig = fc.uint8Array({ minLength: 65, maxLength: 65 });

describe('metadata codecs', () => {
  it('MessageIdMultisig: decode(encode(x)) = x and encode(decode(b)) = b', () => {
    fc.assert(
      fc.property(
        word,
        word,
        u32,
        fc.array(sig, { maxLength: 8 }),
        (merkleTreeHook, root, index, signatures) => {
          const m = { merkleTreeHook, root, index, signatures };
          const bytes = encodeMessageIdMultisigMetadata(m);
          expect(bytes.length).toBe(68 + 65 * signatures.length);
          const d = decodeMessageIdMultisigMetadata(bytes);
          expect(d).toEqual(m);
          expect(bytesToHex(encodeMessageIdMultisigMetadata(d))).toBe(bytesToHex(bytes));
        },
      ),
      { numRuns: 500, seed: 1 },
    );
  });

  it('MerkleRootMultisig: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(
        word,
        u32,
        word,
        fc.array(word, { minLength: 32, maxLength: 32 }),
        u32,
        fc.array(sig, { maxLength: 5 }),
        (merkleTreeHook, messageIndex, signedMessageId, proof, signedIndex, signatures) => {
          const m = { merkleTreeHook, messageIndex, signedMessageId, proof, signedIndex, signatures };
          const bytes = encodeMerkleRootMultisigMetadata(m);
          expect(bytes.length).toBe(1096 + 65 * signatures.length);
          expect(decodeMerkleRootMultisigMetadata(bytes)).toEqual(m);
        },
      ),
      { numRuns: 300, seed: 2 },
    );
  });

  it('decoding any bytes gives a value or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (b) => {
        for (const dec of [decodeMessageIdMultisigMetadata, decodeMerkleRootMultisigMetadata]) {
          try {
            dec(b);
          } catch (e) {
            expect(isBridgeError(e), String(e)).toBe(true);
            expect(['BRIDGE_METADATA_TRUNCATED', 'BRIDGE_METADATA_SIGNATURES_LENGTH']).toContain(
              (e as BridgeError).code,
            );
          }
        }
      }),
      { numRuns: 1000, seed: 3 },
    );
  });
});

describe('bit flips never verify', () => {
  let world: OriginWorld;
  let msg: Uint8Array;
  let mid: Uint8Array;
  let mr: Uint8Array;

  beforeAll(async () => {
    world = buildOriginWorld(6);
    msg = world.messages[3]!;
    const cp = checkpointAt(world, 3);
    mid = messageIdMetadata(cp, await signBy([0, 2], cp));
    const cp5 = checkpointAt(world, 5);
    mr = merkleRootMetadata(world, 3, cp5, await signBy([1, 2], cp5));
  });

  const cfg = (type: 'messageIdMultisig' | 'merkleRootMultisig') => ({
    type,
    validators: VALIDATORS,
    threshold: 2,
  });

  it('the unflipped pairs verify', () => {
    expect(verifyIsm(msg, mid, cfg('messageIdMultisig')).ok).toBe(true);
    expect(verifyIsm(msg, mr, cfg('merkleRootMultisig')).ok).toBe(true);
  });

  for (const type of ['messageIdMultisig', 'merkleRootMultisig'] as const) {
    it(`${type}: one flipped bit in the message or the metadata is rejected with a BridgeError`, () => {
      const meta = () => (type === 'messageIdMultisig' ? mid : mr);
      fc.assert(
        fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), (inMessage, pos, bit) => {
          const m = msg.slice();
          const md = meta().slice();
          const target = inMessage ? m : md;
          target[pos % target.length]! ^= 1 << bit;
          const r = verifyIsm(m, md, cfg(type), { knownOrigins: [1000, 2000, 0x554d5247] });
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error).toBeInstanceOf(BridgeError);
        }),
        { numRuns: 1500, seed: type === 'messageIdMultisig' ? 4 : 5 },
      );
    });

    it(`${type}: random truncation, extension or garbage never throws`, () => {
      fc.assert(
        fc.property(fc.nat(), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (cut, extra, garbage) => {
          const base = type === 'messageIdMultisig' ? mid : mr;
          const md = garbage
            ? extra
            : new Uint8Array([...base.subarray(0, cut % (base.length + 1)), ...extra]);
          const r = verifyIsm(msg, md, cfg(type));
          if (!r.ok) expect(r.error).toBeInstanceOf(BridgeError);
        }),
        { numRuns: 1000, seed: 6 },
      );
    });
  }
});

/**
 * The local checkpoint layout: file names and JSON shape of Hyperlane's `file://` syncer, round
 * trips, the serialized signature agreeing with `{r,s,v}`, and refusal of malformed files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hex, hashMessage, recoverAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isAgentError,
  LocalCheckpointStorage,
  signedCheckpointFromJson,
  storageDirOf,
  storageLocationOf,
  writeAnnouncement,
} from '../../../bridge/agents/index.ts';
import { type Checkpoint, checkpointHash, signCheckpoint } from '../../../bridge/index.ts';

const KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ADDR = privateKeyToAccount(KEY).address;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'umg-cps-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// The public version-3 vector of notes/hyperlane.md: origin 1000, hook b32(0x2222…22), index 0.
const CP: Checkpoint = {
  origin: 1000,
  merkleTreeHook: `0x${'00'.repeat(12)}${'22'.repeat(20)}`,
  root: '0xd4c28346ff7c531a290703a3746addb9f715f7430c533229bbc948cf4f0f6dd9',
  index: 0,
  messageId: '0xf8a66f8aadee751d842616fee0ed14a3ad6da1e13564920364ee0ad35a02703f',
};

describe('LocalCheckpointStorage', () => {
  it('writes {index}_with_id.json with the serde shape of SignedType<CheckpointWithMessageId>', async () => {
    const s = new LocalCheckpointStorage(tmp()).ensure();
    const sig = signCheckpoint(KEY, CP);
    s.writeCheckpoint({ checkpoint: CP, signature: sig });
    s.writeLatestIndex(0);
    const files = readdirSync(s.dir).sort();
    expect(files).toEqual(['0_with_id.json', 'index.json']);
    const j = JSON.parse(readFileSync(join(s.dir, '0_with_id.json'), 'utf8'));
    expect(Object.keys(j).sort()).toEqual(['serialized_signature', 'signature', 'value']);
    expect(Object.keys(j.value).sort()).toEqual(['checkpoint', 'message_id']);
    expect(Object.keys(j.value.checkpoint).sort()).toEqual([
      'index',
      'mailbox_domain',
      'merkle_tree_hook_address',
      'root',
    ]);
    expect(j.value.checkpoint).toEqual({
      merkle_tree_hook_address: CP.merkleTreeHook,
      mailbox_domain: 1000,
      root: CP.root,
      index: 0,
    });
    expect(j.value.message_id).toBe(CP.messageId);
    expect(Object.keys(j.signature).sort()).toEqual(['r', 's', 'v']);
    expect([27, 28]).toContain(j.signature.v);
    expect(j.serialized_signature).toMatch(/^0x[0-9a-f]{130}$/);
    // r, s are U256 quantities: the same numbers as the serialized bytes.
    expect(BigInt(j.signature.r)).toBe(BigInt(j.serialized_signature.slice(0, 66)));
    expect(BigInt(j.signature.s)).toBe(BigInt(`0x${j.serialized_signature.slice(66, 130)}`));
    // An independent recovery (viem): EIP-191 over the checkpoint hash gives the signer.
    const signer = await recoverAddress({
      hash: hashMessage({ raw: checkpointHash(CP) }),
      signature: j.serialized_signature,
    });
    expect(signer).toBe(ADDR);
    expect(readFileSync(join(s.dir, 'index.json'), 'utf8')).toBe('0');
    expect(s.readLatestIndex()).toBe(0);
    const back = s.readCheckpoint(0)!;
    expect(back.checkpoint).toEqual(CP);
    expect(back.signature).toEqual(sig);
    expect(s.readCheckpoint(1)).toBeUndefined();
  });

  it('writes metadata_latest.json, reorg_flag.json and announcement.json with Hyperlane field names', () => {
    const s = new LocalCheckpointStorage(tmp()).ensure();
    s.writeMetadata('abc123');
    expect(JSON.parse(readFileSync(join(s.dir, 'metadata_latest.json'), 'utf8'))).toEqual({
      git_sha: 'abc123',
    });
    s.writeReorgFlag({
      localMerkleRoot: CP.root,
      canonicalMerkleRoot: CP.messageId,
      checkpointIndex: 7,
      unixTimestamp: 1_700_000_000,
      reorgPeriod: 15,
    });
    expect(JSON.parse(readFileSync(join(s.dir, 'reorg_flag.json'), 'utf8'))).toEqual({
      local_merkle_root: CP.root,
      canonical_merkle_root: CP.messageId,
      checkpoint_index: 7,
      unix_timestamp: 1_700_000_000,
      reorg_period: 15,
    });
    expect(s.readReorgFlag()?.checkpointIndex).toBe(7);
    const mailbox = '0x1111111111111111111111111111111111111111';
    writeAnnouncement({ privateKey: KEY, storage: s, domain: 1000, mailbox });
    const a = JSON.parse(readFileSync(join(s.dir, 'announcement.json'), 'utf8'));
    expect(a.value).toEqual({
      validator: ADDR.toLowerCase(),
      mailbox_address: `0x${'00'.repeat(12)}${'11'.repeat(20)}`,
      mailbox_domain: 1000,
      storage_location: s.location,
    });
    expect(a.serialized_signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(s.location.startsWith('file:///')).toBe(true);
    expect(storageDirOf(storageLocationOf(s.dir))).toBe(s.dir);
  });

  it('refuses malformed checkpoint files and mismatched {r,s,v}', () => {
    const s = new LocalCheckpointStorage(tmp()).ensure();
    writeFileSync(s.checkpointPath(3), '{"value":');
    expect(() => s.readCheckpoint(3)).toThrow(/AGENT_FILE_INVALID/);
    const sig = signCheckpoint(KEY, CP);
    s.writeCheckpoint({ checkpoint: CP, signature: sig });
    const j = JSON.parse(readFileSync(s.checkpointPath(0), 'utf8'));
    j.signature.v = j.signature.v === 27 ? 28 : 27;
    let err: unknown;
    try {
      signedCheckpointFromJson(j);
    } catch (e) {
      err = e;
    }
    expect(isAgentError(err, 'AGENT_FILE_INVALID')).toBe(true);
    expect(() => storageDirOf('s3://bucket/x')).toThrow(/AGENT_CONFIG_INVALID.*file:\/\//);
  });
});

/**
 * The bridge REST routes on a real hub node (no anvil): a final-tier DEPOSIT of a token outside the
 * registry makes the hub dispatch a refund RELEASE; the outbox, its checkpoints (Hyperlane's
 * checkpoint JSON shape), a proof checked here with an independent fold (viem keccak), the
 * settlement, the inbound message status, a finality attestation, origins, config, positions and
 * bad requests answer as `chain/hyperlane/README.md` documents.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat, type Hex, keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAppPayload, decodeMessage, hexToBytes } from '../../../bridge/index.ts';
import {
  BRIDGE_TYPE_URL,
  bridgeConfigToJson,
  HUB_DOMAIN,
  HUB_SENDER,
  HUB_TREE_HOOK,
  TIER,
} from '../../../chain/index.ts';
import { connectSigner } from '../../../chain/node/client.ts';
import { devnetPrivateKey, homePaths, initHome } from '../../../chain/node/home.ts';
import { startTestNode, type TestNode } from '../../helpers/node.ts';
import { FINAL_KEYS, fixtureBridge, JUNK_A, ORIGIN_A, simA, VAULT_A } from '../../unit/hyperlane/fixtures.ts';

let hub: TestNode | undefined;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'umg-hl-rest-'));
  initHome({ home, accounts: 4 });
  const g = JSON.parse(readFileSync(homePaths(home).genesis, 'utf8'));
  g.bridge = bridgeConfigToJson(fixtureBridge());
  writeFileSync(homePaths(home).genesis, JSON.stringify(g));
  hub = await startTestNode({ home, blockTimeMs: 100 });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  rmSync(home, { recursive: true, force: true });
});

const get = async (path: string) => {
  const r = await fetch(`${hub!.url}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

// Independent fold of a 32-sibling proof (viem keccak).
function fold(leaf: Hex, proof: Hex[], index: number): Hex {
  let cur = leaf;
  proof.forEach((sib, i) => {
    cur =
      Math.floor(index / 2 ** i) % 2 === 1 ? keccak256(concat([sib, cur])) : keccak256(concat([cur, sib]));
  });
  return cur;
}

describe('bridge REST', () => {
  it('serves the outbox, checkpoints, proofs, settlements and message status', async () => {
    const a = simA();
    const depositor = `0x${'d9'.repeat(20)}` as const;
    const junk = a.dispatch({ kind: 'DEPOSIT', depositor, token: JUNK_A, amount: 42n, depositNonce: 0n });
    const later = a.dispatch({ kind: 'DEPOSIT', depositor, token: JUNK_A, amount: 1n, depositNonce: 1n });
    const { client, address: relayer } = await connectSigner(hub!.url, devnetPrivateKey(3));
    const r = await client.signAndBroadcast(
      relayer,
      [
        {
          typeUrl: BRIDGE_TYPE_URL.MsgProcessMessage,
          value: {
            relayer,
            metadata: a.messageIdMetadata(junk, FINAL_KEYS.slice(0, 2)),
            message: junk.message,
            tier: TIER.AUTO,
          },
        },
        {
          // A finality proof for a message not delivered yet: recorded as an attestation.
          typeUrl: BRIDGE_TYPE_URL.MsgConfirmFinality,
          value: {
            relayer,
            origin: ORIGIN_A,
            ...a.checkpoint(1, FINAL_KEYS.slice(1)),
            proofs: [{ messageId: hexToBytes(later.id), leafIndex: 1, proof: a.proof(1, 1) }],
          },
        },
      ],
      'auto',
    );
    expect(r.code, r.rawLog).toBe(0);

    const outbox = await get('/v1/bridge/outbox');
    expect(outbox.status).toBe(200);
    expect(outbox.body).toMatchObject({ count: 1, from: 0, next: null });
    const [entry] = outbox.body.messages as { message: Hex; message_id: Hex; settlement_id: Hex }[];
    expect(entry!).toMatchObject({
      nonce: 0,
      index: 0,
      destination: ORIGIN_A,
      recipient: VAULT_A,
      kind: 'release',
    });
    const m = decodeMessage(entry!.message);
    expect([m.origin, m.sender, m.nonce]).toEqual([HUB_DOMAIN, HUB_SENDER, 0]);
    expect(keccak256(entry!.message)).toBe(entry!.message_id);
    expect(decodeAppPayload(m.body)).toMatchObject({
      kind: 'RELEASE',
      recipient: depositor,
      amount: 42n,
      token: JUNK_A,
    });

    const latest = await get('/v1/bridge/checkpoints/latest');
    const root = (latest.body.value as { checkpoint: { root: Hex } }).checkpoint.root;
    expect(latest.body.value).toEqual({
      checkpoint: {
        merkle_tree_hook_address: HUB_TREE_HOOK,
        mailbox_domain: HUB_DOMAIN,
        root,
        index: 0,
      },
      message_id: entry!.message_id,
    });
    expect((await get('/v1/bridge/checkpoints/0')).body.value).toEqual(latest.body.value);
    const proof = await get('/v1/bridge/proof/0');
    expect(proof.body.proof).toHaveLength(32);
    expect(fold(entry!.message_id, proof.body.proof as Hex[], 0)).toBe(root);

    const settlement = await get(`/v1/bridge/settlements/${entry!.settlement_id}`);
    expect(settlement.body).toMatchObject({
      kind: 'release',
      destination: ORIGIN_A,
      status: 'dispatched',
      ack_status: 'none',
      cause: junk.id,
    });

    const status = await get(`/v1/bridge/messages/${junk.id}`);
    expect(status.body).toMatchObject({
      direction: 'inbound',
      delivered: true,
      stage: 'final',
      tier: 'final',
      result: 'deposit_token_unknown',
      settlement_id: entry!.settlement_id,
    });
    expect((await get(`/v1/bridge/messages/${entry!.message_id}`)).body).toMatchObject({
      direction: 'outbound',
      nonce: 0,
    });
    expect((await get(`/v1/bridge/messages/${later.id}`)).body).toMatchObject({
      delivered: false,
      final_attested: { origin: ORIGIN_A, leaf_index: 1, checkpoint_index: 1 },
    });
    const origins = await get('/v1/bridge/origins');
    expect((origins.body.origins as unknown[])[0]).toMatchObject({
      domain: ORIGIN_A,
      delivered: '1',
      finalized: '1',
      final_checkpoint: { index: 1 },
    });
    expect((await get('/v1/bridge/config')).body).toMatchObject({
      hub_tree_hook: HUB_TREE_HOOK,
      hub_sender: HUB_SENDER,
    });
    expect((await get(`/v1/bridge/positions/${depositor}`)).body.positions).toEqual([]);
    expect((await get(`/v1/bridge/balances/${depositor}`)).body).toMatchObject({
      holder_kind: 'evm_hold',
      balances: [],
    });

    // Errors name the problem.
    for (const [path, status] of [
      ['/v1/bridge/checkpoints/1', 404],
      ['/v1/bridge/proof/1', 404],
      ['/v1/bridge/outbox?limit=101', 400],
      ['/v1/bridge/messages/0x12', 400],
      [`/v1/bridge/messages/0x${'00'.repeat(32)}`, 404],
      ['/v1/bridge/balances/nobody', 400],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect((res.body.error as { message: string }).message, path).toBeTypeOf('string');
    }
  });
});

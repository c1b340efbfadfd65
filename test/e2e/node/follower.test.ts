/**
 * Follower: a second node following the first has the same root at every height; blocks with a
 * tampered root, a tampered tx or a bad signature stop it with a named error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCodec, blockHash, toHex } from '../../../chain/index.ts';
import { buildLinkEvmAddress, connectSigner, LINK_TYPE_URL } from '../../../chain/node/client.ts';
import { devnetPrivateKey } from '../../../chain/node/home.ts';
import { FollowError } from '../../../chain/node/hubNode.ts';
import { startTestNode, type TestNode, waitFor } from '../../helpers/node.ts';

async function rawBlock(url: string, h: bigint): Promise<Uint8Array> {
  const j = (await (await fetch(`${url}/v1/blocks/${h}/raw`)).json()) as { block: string };
  return new Uint8Array(Buffer.from(j.block, 'base64'));
}

describe('follower', () => {
  let seq: TestNode;
  beforeAll(async () => {
    seq = await startTestNode({ blockTimeMs: 50 });
    // Some txs so blocks carry state changes.
    const { client, address } = await connectSigner(seq.url, devnetPrivateKey(3));
    for (let i = 0; i < 3; i++) {
      const msg = await buildLinkEvmAddress({
        chainId: 'unimargin-devnet-1',
        account: address,
        evmPrivateKey: devnetPrivateKey(20 + i),
        nonce: BigInt(Date.now() + i),
        expiryMs: BigInt(Date.now() + 600_000),
      });
      const r = await client.signAndBroadcast(address, [{ typeUrl: LINK_TYPE_URL, value: msg }], 'auto');
      expect(r.code).toBe(0);
    }
    client.disconnect();
  });
  afterAll(async () => {
    await seq?.stop();
  });

  it('has the same root at every height as the sequencer', async () => {
    const f = await startTestNode({ follow: seq.url, genesisFrom: seq.home });
    try {
      const target = seq.node.height;
      await waitFor(() => (f.node.height >= target ? true : undefined), 30_000);
      for (let h = 1n; h <= target; h++) {
        const [a, b] = await Promise.all([seq.node.store.rootAt(h), f.node.store.rootAt(h)]);
        expect(a, `root at ${h}`).toBeDefined();
        expect(toHex(b!), `root at ${h}`).toBe(toHex(a!));
      }
    } finally {
      await f.stop();
    }
  });

  const tamper: [string, (b: Uint8Array) => Uint8Array, string][] = [
    [
      'tampered root',
      (bytes) => {
        const b = BlockCodec.decode(bytes);
        b.header!.appHash = new Uint8Array(b.header!.appHash.length).fill(7);
        return BlockCodec.toBytes(b);
      },
      'FOLLOW_BAD_SIGNATURE',
    ],
    [
      'tampered tx',
      (bytes) => {
        const b = BlockCodec.decode(bytes);
        const tx = new Uint8Array(b.txs[0]!);
        tx[tx.length - 3]! ^= 1;
        b.txs[0] = tx;
        return BlockCodec.toBytes(b);
      },
      'FOLLOW_DATA_HASH_MISMATCH',
    ],
    [
      'bad signature',
      (bytes) => {
        const b = BlockCodec.decode(bytes);
        const sig = new Uint8Array(b.signature);
        sig[0]! ^= 0xff;
        b.signature = sig;
        return BlockCodec.toBytes(b);
      },
      'FOLLOW_BAD_SIGNATURE',
    ],
  ];

  for (const [name, mutate, code] of tamper) {
    it(`stops with ${code} on a block with a ${name}`, async () => {
      // A follower that is not polling (no --follow loop): feed blocks by hand.
      const f = await startTestNode({ follow: 'http://127.0.0.1:1', genesisFrom: seq.home });
      try {
        await f.node.stop();
        // Find the first block with a tx (for the tx case) and feed everything before it intact.
        let h = 1n;
        for (; ; h++) {
          const bytes = await rawBlock(seq.url, h);
          if (BlockCodec.decode(bytes).txs.length > 0) break;
          await f.node.applyRemoteBlock(bytes);
        }
        const bad = mutate(await rawBlock(seq.url, h));
        const err = await f.node.applyRemoteBlock(bad).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(FollowError);
        expect((err as FollowError).code).toBe(code);
        // The intact block still applies: nothing was half-applied.
        const good = await rawBlock(seq.url, h);
        await f.node.applyRemoteBlock(good);
        expect(toHex(blockHash(BlockCodec.decode(good).header!))).toBe(toHex(f.node.lastBlockHash));
      } finally {
        await f.stop();
      }
    });
  }

  it('stops with FOLLOW_APP_HASH_MISMATCH when a validly signed header carries a wrong root', async () => {
    // Re-sign a header with a wrong app hash using the sequencer's own key.
    const { sign } = await import('node:crypto');
    const { loadSequencerKey, homePaths } = await import('../../../chain/node/home.ts');
    const key = loadSequencerKey(homePaths(seq.home).sequencerKey);
    const f = await startTestNode({ follow: 'http://127.0.0.1:1', genesisFrom: seq.home });
    try {
      await f.node.stop();
      await f.node.applyRemoteBlock(await rawBlock(seq.url, 1n));
      const b = BlockCodec.decode(await rawBlock(seq.url, 2n));
      b.header!.appHash = new Uint8Array(32).fill(9);
      b.signature = new Uint8Array(sign(null, blockHash(b.header!), key.privateKey));
      const err = await f.node.applyRemoteBlock(BlockCodec.toBytes(b)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as FollowError).code).toBe('FOLLOW_APP_HASH_MISMATCH');
    } finally {
      await f.stop();
    }
  });
});

describe('follower over HTTP', () => {
  it('halts its follow loop with the named error and reports it on /v1/health', async () => {
    const { createServer } = await import('node:http');
    const seq = await startTestNode({ blockTimeMs: 50 });
    // A proxy in front of the sequencer that corrupts the signature of block 3.
    const proxy = createServer(async (req, res) => {
      const upstream = await fetch(`${seq.url}${req.url}`);
      let body = await upstream.text();
      if (req.url === '/v1/blocks/3/raw' && upstream.status === 200) {
        const j = JSON.parse(body) as { height: string; block: string };
        const b = BlockCodec.decode(new Uint8Array(Buffer.from(j.block, 'base64')));
        const sig = new Uint8Array(b.signature);
        sig[1]! ^= 0x55;
        b.signature = sig;
        body = JSON.stringify({ ...j, block: Buffer.from(BlockCodec.toBytes(b)).toString('base64') });
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    const f = await startTestNode({ follow: `http://127.0.0.1:${port}`, genesisFrom: seq.home });
    try {
      const err = await waitFor(() => f.node.followError, 30_000);
      expect(err.code).toBe('FOLLOW_BAD_SIGNATURE');
      expect(err.height).toBe(3n);
      expect(f.node.height).toBe(2n);
      const health = (await (await fetch(`${f.url}/v1/health`)).json()) as {
        ok: boolean;
        error: { code: string };
      };
      expect(health.ok).toBe(false);
      expect(health.error.code).toBe('FOLLOW_BAD_SIGNATURE');
    } finally {
      await f.stop();
      await seq.stop();
      proxy.close();
    }
  });
});

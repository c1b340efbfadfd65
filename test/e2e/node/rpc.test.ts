/**
 * The RPC surface beyond what StargateClient uses: CosmJS's Comet38 WebSocket client subscribed to
 * new blocks and txs; the GET URI form; abci_query at a historical height; REST proofs verified
 * against the app hash the next block's header carries; metrics; unimargin verify on the store.
 */

import { randomBytes } from 'node:crypto';
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth';
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKey, bech32FromPubKey, fromHex, parseBech32, secp, toHex } from '../../../chain/index.ts';
import { devnetPrivateKey } from '../../../chain/node/home.ts';
import { verifyProof } from '../../../state/proof.ts';
import { startTestNode, type TestNode, waitFor } from '../../helpers/node.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const KEY = devnetPrivateKey(5);
const ADDR = bech32FromPubKey(secp.publicKeyCreate(KEY, true));

async function broadcast(url: string, seq: bigint): Promise<string> {
  const msg = linkMsg({
    privKey: KEY,
    evmPrivKey: randomBytes(32),
    chainId: CHAIN,
    nonce: seq + 1n,
    expiryMs: BigInt(Date.now() + 600_000),
  });
  const tx = signTx({ privKey: KEY, accountNumber: 5n, sequence: seq, chainId: CHAIN, msgs: [msg] });
  const r = (await (
    await fetch(url, {
      method: 'POST',
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'broadcast_tx_sync',
        params: { tx: Buffer.from(tx).toString('base64') },
      }),
    })
  ).json()) as {
    result: { code: number; hash: string; log: string };
  };
  expect(r.result.code, r.result.log).toBe(0);
  return r.result.hash;
}

describe('rpc surface', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ blockTimeMs: 100 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('streams NewBlock and Tx events to a CosmJS WebSocket client', async () => {
    // CosmJS appends /websocket itself.
    const ws = new WebsocketClient(t.url.replace('http', 'ws'), (e) => {
      throw e;
    });
    const client = Comet38Client.create(ws);
    const heights: number[] = [];
    const blocks = client.subscribeNewBlock().subscribe({
      next: (b) => heights.push(b.header.height),
      error: (e) => {
        throw e;
      },
    });
    const txHeights: number[] = [];
    const txs = client.subscribeTx().subscribe({
      next: (e) => txHeights.push(e.height),
      error: (e) => {
        throw e;
      },
    });
    await waitFor(() => (heights.length >= 2 ? true : undefined));
    expect(heights[1]).toBe(heights[0]! + 1);
    await broadcast(t.url, 0n);
    await waitFor(() => (txHeights.length >= 1 ? true : undefined));
    expect(txHeights[0]).toBeGreaterThan(0);
    blocks.unsubscribe();
    txs.unsubscribe();
    client.disconnect();
  });

  it('answers the GET URI form', async () => {
    const status = (await (await fetch(`${t.url}/status`)).json()) as {
      result: { node_info: { network: string } };
    };
    expect(status.result.node_info.network).toBe(CHAIN);
    const block = (await (await fetch(`${t.url}/block?height=1`)).json()) as {
      result: { block: { header: { height: string } } };
    };
    expect(block.result.block.header.height).toBe('1');
    const data = toHex(QueryAccountRequest.encode({ address: ADDR }).finish());
    const q = (await (
      await fetch(`${t.url}/abci_query?path="/cosmos.auth.v1beta1.Query/Account"&data=0x${data}`)
    ).json()) as { result: { response: { code: number; value: string } } };
    expect(q.result.response.code).toBe(0);
    const acct = BaseAccount.decode(
      QueryAccountResponse.decode(Buffer.from(q.result.response.value, 'base64')).account!.value,
    );
    expect(acct.address).toBe(ADDR);
  });

  it('answers abci_query at a historical height with that height’s sequence', async () => {
    const before = t.node.height;
    const seqBefore = 1n; // one tx sent by the websocket test
    await broadcast(t.url, 1n);
    await waitFor(() => (t.node.height > before + 2n ? true : undefined));
    const data = toHex(QueryAccountRequest.encode({ address: ADDR }).finish());
    const seqAt = async (height: bigint) => {
      const r = (await (
        await fetch(t.url, {
          method: 'POST',
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'abci_query',
            params: { path: '/cosmos.auth.v1beta1.Query/Account', data, height: String(height) },
          }),
        })
      ).json()) as {
        result: { response: { value: string; height: string } };
      };
      expect(r.result.response.height).toBe(String(height));
      return BaseAccount.decode(
        QueryAccountResponse.decode(Buffer.from(r.result.response.value, 'base64')).account!.value,
      ).sequence;
    };
    expect(await seqAt(before)).toBe(seqBefore);
    expect(await seqAt(t.node.height)).toBe(seqBefore + 1n);
  });

  it('serves proofs that verify against the app hash of the next header, and fail when tampered', async () => {
    await waitFor(() => (t.node.height >= 3n ? true : undefined));
    const h = t.node.height - 1n; // header h+1 exists
    const header = (await (await fetch(`${t.url}/v1/blocks/${h + 1n}`)).json()) as { app_hash: string };
    for (const key of [accountKey(new Uint8Array(20)), accountKey(parseBech32(ADDR)!)]) {
      const p = (await (await fetch(`${t.url}/v1/proof/${toHex(key)}?height=${h}`)).json()) as {
        root: string;
        value: string | null;
        proof: string;
      };
      expect(p.root).toBe(header.app_hash);
      const value = p.value === null ? undefined : fromHex(p.value)!;
      expect(verifyProof(fromHex(header.app_hash)!, key, value, fromHex(p.proof)!)).toBe(true);
      const wrongValue = value === undefined ? new Uint8Array([1]) : new Uint8Array([...value, 1]);
      expect(verifyProof(fromHex(header.app_hash)!, key, wrongValue, fromHex(p.proof)!)).toBe(false);
      const proof = fromHex(p.proof)!;
      proof[proof.length - 1]! ^= 1;
      expect(verifyProof(fromHex(header.app_hash)!, key, value, proof)).toBe(false);
    }
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const h = /unimargin_block_height (\d+)/.exec(text);
    expect(Number(h?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/unimargin_txs_committed_total [1-9]/);
  });
});

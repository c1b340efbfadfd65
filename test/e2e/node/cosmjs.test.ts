/**
 * A stock @cosmjs/stargate client against our node: chain id and rising height; a Registry with
 * our types signs and broadcasts MsgLinkEvmAddress (explicit fee and fee "auto"); getTx finds it;
 * the link shows over REST; stale sequence, wrong chain id, corrupted and high-s signatures are
 * refused with their codes and leave the root unchanged.
 */
import { fromHex as cosmFromHex } from '@cosmjs/encoding';
import { StargateClient } from '@cosmjs/stargate';
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBigint, ERROR_TABLE, SECP256K1_HALF_N } from '../../../chain/index.ts';
import { buildLinkEvmAddress, connectSigner, LINK_TYPE_URL } from '../../../chain/node/client.ts';
import { devnetPrivateKey } from '../../../chain/node/home.ts';
import { startTestNode, type TestNode, waitFor } from '../../helpers/node.ts';

const N = SECP256K1_HALF_N * 2n + 1n;

async function rpc(url: string, method: string, params: object) {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    headers: { 'content-type': 'application/json' },
  });
  return (await res.json()) as { result: Record<string, unknown>; error?: unknown };
}

describe('stock CosmJS client', () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode({ blockTimeMs: 100 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('reads the chain id and a rising height', async () => {
    const client = await StargateClient.connect(t.url);
    expect(await client.getChainId()).toBe('unimargin-devnet-1');
    const h1 = await client.getHeight();
    const h2 = await waitFor(async () => {
      const h = await client.getHeight();
      return h > h1 ? h : undefined;
    });
    expect(h2).toBeGreaterThan(h1);
    client.disconnect();
  });

  it('signs and broadcasts MsgLinkEvmAddress with an explicit fee and with fee "auto"', async () => {
    const { client, address } = await connectSigner(t.url, devnetPrivateKey(1));
    for (const fee of [{ amount: [{ denom: 'uumg', amount: '0' }], gas: '300000' }, 'auto'] as const) {
      const evmKey = generatePrivateKey();
      const msg = await buildLinkEvmAddress({
        chainId: 'unimargin-devnet-1',
        account: address,
        evmPrivateKey: cosmFromHex(evmKey.slice(2)),
        nonce: BigInt(Date.now()),
        expiryMs: BigInt(Date.now() + 600_000),
      });
      const r = await client.signAndBroadcast(address, [{ typeUrl: LINK_TYPE_URL, value: msg }], fee);
      expect(r.code, `fee ${JSON.stringify(fee)}: ${r.rawLog}`).toBe(0);
      const found = await client.getTx(r.transactionHash);
      expect(found?.code).toBe(0);
      expect(found?.height).toBe(r.height);
      const acct = (await (await fetch(`${t.url}/v1/accounts/${address}`)).json()) as {
        evm_addresses: string[];
      };
      expect(acct.evm_addresses).toContain(privateKeyToAccount(evmKey).address);
    }
    client.disconnect();
  });

  it('refuses a stale sequence, a wrong chain id, a corrupted and a high-s signature, root unchanged', async () => {
    const { client, address } = await connectSigner(t.url, devnetPrivateKey(2));
    const acc = await client.getAccount(address);
    const chainId = await client.getChainId();
    const fee = { amount: [], gas: '300000' };
    const mkMsg = async () => ({
      typeUrl: LINK_TYPE_URL,
      value: await buildLinkEvmAddress({
        chainId,
        account: address,
        evmPrivateKey: cosmFromHex(generatePrivateKey().slice(2)),
        nonce: BigInt(Date.now()),
        expiryMs: BigInt(Date.now() + 600_000),
      }),
    });
    const sign = async (signerData: { accountNumber: bigint; sequence: number; chainId: string }) =>
      client.sign(address, [await mkMsg()], fee, '', signerData);
    const base = { accountNumber: BigInt(acc!.accountNumber), sequence: acc!.sequence, chainId };

    // Make the account's sequence non-zero so a stale one exists.
    const first = await client.signAndBroadcast(address, [await mkMsg()], fee);
    expect(first.code).toBe(0);
    const seqNow = (await client.getAccount(address))!.sequence;

    const stale = await sign({ ...base, sequence: seqNow - 1 });
    const wrongChain = await sign({ ...base, sequence: seqNow, chainId: 'another-chain-1' });
    const corrupted = await sign({ ...base, sequence: seqNow });
    const csig = corrupted.signatures[0]!;
    csig[5] = csig[5]! ^ 0x01;
    const highS = await sign({ ...base, sequence: seqNow });
    const sig = highS.signatures[0]!;
    const s = bytesToBigint(sig.subarray(32));
    const flipped = (N - s).toString(16).padStart(64, '0');
    highS.signatures[0] = new Uint8Array([...sig.subarray(0, 32), ...Buffer.from(flipped, 'hex')]);

    const rootBefore = (await rpc(t.url, 'status', {})).result as { sync_info: { latest_app_hash: string } };
    const cases: [string, TxRaw, number][] = [
      ['stale sequence', stale, ERROR_TABLE.tx.TX_SEQUENCE],
      ['wrong chain id', wrongChain, ERROR_TABLE.tx.TX_SIGNATURE],
      ['corrupted signature', corrupted, ERROR_TABLE.tx.TX_SIGNATURE],
      ['high-s signature', highS, ERROR_TABLE.tx.TX_HIGH_S],
    ];
    for (const [name, tx, code] of cases) {
      const r = (
        await rpc(t.url, 'broadcast_tx_sync', {
          tx: Buffer.from(TxRaw.encode(tx).finish()).toString('base64'),
        })
      ).result as {
        code: number;
        log: string;
        codespace: string;
      };
      expect(r.code, `${name}: ${r.log}`).toBe(code);
      expect(r.codespace, name).toBe('tx');
      expect(r.log.split(':')[0], name).toMatch(/^TX_/);
      if (name === 'wrong chain id') expect(r.log).toContain('chain id');
    }
    // Let a few empty blocks pass: the root must not move.
    const h0 = t.node.height;
    await waitFor(() => (t.node.height >= h0 + 3n ? true : undefined));
    const rootAfter = (await rpc(t.url, 'status', {})).result as { sync_info: { latest_app_hash: string } };
    expect(rootAfter.sync_info.latest_app_hash).toBe(rootBefore.sync_info.latest_app_hash);
    expect((await client.getAccount(address))!.sequence).toBe(seqNow);
    client.disconnect();
  });
});

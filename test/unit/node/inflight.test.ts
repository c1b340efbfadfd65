/**
 * CheckTx while a block commits: the txs reaped into the block being written are neither in the
 * mempool nor in committed state; an account's next tx must still be admitted with the sequence
 * after them (CosmJS clients send sequentially), and a stale one refused.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import { HubNode } from '../../../chain/node/hubNode.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const KEY = devnetPrivateKey(1);
let node: HubNode;

function tx(sequence: bigint): Uint8Array {
  const msg = linkMsg({
    privKey: KEY,
    evmPrivKey: randomBytes(32),
    chainId: CHAIN,
    nonce: sequence + 1n,
    expiryMs: BigInt(Date.now() + 3_600_000),
  });
  return signTx({ privKey: KEY, accountNumber: 1n, sequence, chainId: CHAIN, msgs: [msg] });
}

beforeAll(async () => {
  const seqKey = generateSequencerKey();
  const genesis = devnetGenesis(seqKey.publicKey, { accounts: 2, genesisTimeMs: BigInt(Date.now() - 1000) });
  node = await HubNode.open({
    genesis,
    store: await HubStore.open(new MemoryKv()),
    logger: pino({ level: 'silent' }),
    sequencerKey: seqKey,
    sigThreads: 0,
  });
});
afterAll(async () => {
  await node?.stop();
});

describe('CheckTx during a block commit', () => {
  it('counts the txs of the block being committed as pending', async () => {
    expect((await node.checkTx(tx(0n))).code).toBe(0);
    const producing = node.produceBlock(); // runs synchronously up to the store write
    expect(node.mempool.size).toBe(0);
    const next = await node.checkTx(tx(1n));
    expect(next.code, next.log).toBe(0);
    const stale = await node.checkTx(tx(0n));
    expect(stale.code).toBe(ERROR_TABLE.tx.TX_SEQUENCE);
    const block = await producing;
    expect(block.txHashes.length).toBe(1);
    await node.produceBlock();
    expect(node.mempool.size).toBe(0);
  });
});

/**
 * test/helpers/anvil.ts: N chains on distinct free ports, `--slots-in-an-epoch` modelling finality
 * (safe = head − N, finalized = head − 2N, as anvil documents), and `stop()` ending exactly that PID.
 */
import { createTestClient, http } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveAnvilPids } from '../../../devnet/evm/anvil.ts';
import { startTestChains, stopTestChains, type TestChain } from '../../helpers/anvil.ts';

let chains: TestChain[] | undefined;

beforeAll(async () => {
  chains = await startTestChains(2, { chainIds: [31_401, 31_402], slotsInAnEpoch: 2 });
});

afterAll(async () => {
  await stopTestChains(chains);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startTestChains', () => {
  it('starts distinct chains on distinct ports, each answering its own chain id', async () => {
    const [a, b] = chains!;
    expect(a!.port).not.toBe(b!.port);
    expect(a!.pid).not.toBe(b!.pid);
    expect(await a!.publicClient.getChainId()).toBe(31_401);
    expect(await b!.publicClient.getChainId()).toBe(31_402);
    expect(liveAnvilPids()).toEqual(expect.arrayContaining([a!.pid, b!.pid]));
  });

  it('--slots-in-an-epoch 2: after 20 blocks safe is 18 and finalized is 16', async () => {
    const a = chains![0]!;
    await createTestClient({ mode: 'anvil', transport: http(a.rpcUrl) }).mine({ blocks: 20 });
    const head = await a.publicClient.getBlockNumber();
    expect(head).toBe(20n);
    const safe = await a.publicClient.getBlock({ blockTag: 'safe' });
    const finalized = await a.publicClient.getBlock({ blockTag: 'finalized' });
    expect(safe.number).toBe(18n);
    expect(finalized.number).toBe(16n);
  });

  it('stop() ends that chain only, and is idempotent', async () => {
    const [a, b] = chains!;
    expect(isAlive(a!.pid)).toBe(true);
    await a!.stop();
    await a!.stop();
    expect(isAlive(a!.pid)).toBe(false);
    expect(liveAnvilPids()).not.toContain(a!.pid);
    expect(isAlive(b!.pid)).toBe(true);
    expect(await b!.publicClient.getChainId()).toBe(31_402);
  });
});

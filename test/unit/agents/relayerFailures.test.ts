/**
 * Permanent failures are classified, listed over the relayer's REST and settle the cursor: hub
 * outbox messages (dispatched by the STF's own `dispatchMessage` on a memory state) to a domain no
 * chain is configured for are `unknown_destination`; the cursor moves past them and survives a
 * restart; `/failures` and `/metrics` show them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HubApi, hubSignerOf, Relayer, startRelayerServer } from '../../../bridge/agents/index.ts';
import { addressToBytes32, hexToBytes } from '../../../bridge/index.ts';
import { dispatchMessage, outboxCount, outboxMessage } from '../../../chain/hyperlane/outbox.ts';
import { HubStore, MemoryKv, type StateView } from '../../../state/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function harness(view: StateView): HubApi {
  const no = async () => {
    throw new Error('unused');
  };
  return {
    chainId: no,
    account: no,
    broadcastTxSync: no,
    txResult: no,
    inboundStatus: no,
    outboundMessage: no,
    origins: async () => [],
    async outbox(from, limit) {
      const count = outboxCount(view);
      const messages: Uint8Array[] = [];
      for (let n = from; n < Math.min(count, from + limit); n++) messages.push(outboxMessage(view, n)!);
      return { count, messages };
    },
  };
}

describe('relayer permanent failures', () => {
  it('lists messages to an unconfigured destination, settles past them, and keeps them across a restart', async () => {
    const view = (await HubStore.open(new MemoryKv())).view();
    const recipient = hexToBytes(addressToBytes32(`0x${'12'.repeat(20)}`), 'r', 32);
    for (let i = 0; i < 3; i++)
      dispatchMessage(view, { destination: 999 + i, recipient, body: new Uint8Array([0x14, i]) });
    const dataDir = mkdtempSync(join(tmpdir(), 'umg-rf-'));
    dirs.push(dataDir);
    const opts = {
      hub: harness(view),
      hubSigner: hubSignerOf(`0x${'07'.repeat(32)}`),
      evm: [],
      dataDir,
      lanes: { toHub: false, fromHub: true, finality: false },
    } as const;
    const r = new Relayer(opts);
    const server = await startRelayerServer(r, { port: 0 });
    try {
      await r.tick();
      expect(r.status().find((l) => l.lane === 'hub')).toMatchObject({ next: 3, pending: 0, known: 3 });
      const f = (await (await fetch(`${server.url}/failures`)).json()) as {
        total: number;
        failures: { kind: string; destination: number; index: number }[];
      };
      expect(f.total).toBe(3);
      expect(f.failures.map((x) => [x.kind, x.destination, x.index])).toEqual([
        ['unknown_destination', 999, 0],
        ['unknown_destination', 1000, 1],
        ['unknown_destination', 1001, 2],
      ]);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain(
        'relayer_messages_failed_total{kind="unknown_destination",origin="1431130695"} 3',
      );
      expect(metrics).toContain('relayer_cursor{origin="1431130695"} 3');
    } finally {
      await server.close();
    }
    // A restart resumes past them: nothing re-listed.
    const again = new Relayer(opts);
    await again.tick();
    expect(again.failures.length).toBe(3);
    expect(again.status().find((l) => l.lane === 'hub')?.next).toBe(3);
  });
});

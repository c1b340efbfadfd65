/**
 * Bad input (fast-check, structure-aware). Mutations of valid signed txs — a bit flip in each
 * field of TxRaw / TxBody / AuthInfo / the message, truncation, a wrong type URL, an extra field —
 * and malformed JSON-RPC calls (wrong types, batches, 1 MiB bodies, huge per_page): no crash, a
 * typed error naming the problem, and the state root and mempool unchanged.
 */

import { TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { Any } from 'cosmjs-types/google/protobuf/any';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TABLE, toHex } from '../../../chain/index.ts';
import { devnetGenesis, devnetPrivateKey, generateSequencerKey } from '../../../chain/node/home.ts';
import { HubNode } from '../../../chain/node/hubNode.ts';
import { createRpcServer } from '../../../rpc/index.ts';
import { HubStore, MemoryKv } from '../../../state/index.ts';
import { linkMsg, signTx } from '../../helpers/txs.ts';

const CHAIN = 'unimargin-devnet-1';
const KEY = devnetPrivateKey(1);
const KNOWN_SPACES = new Set(Object.keys(ERROR_TABLE));

let node: HubNode;
let app: Awaited<ReturnType<typeof createRpcServer>>;
let valid: Uint8Array;

beforeAll(async () => {
  const seqKey = generateSequencerKey();
  const genesis = devnetGenesis(seqKey.publicKey, { accounts: 3, genesisTimeMs: BigInt(Date.now() - 1000) });
  const store = await HubStore.open(new MemoryKv());
  node = await HubNode.open({
    genesis,
    store,
    logger: pino({ level: 'silent' }),
    sequencerKey: seqKey,
    sigThreads: 0,
  });
  await node.produceBlock();
  app = await createRpcServer(node);
  const msg = linkMsg({
    privKey: KEY,
    evmPrivKey: devnetPrivateKey(30),
    chainId: CHAIN,
    nonce: 1n,
    expiryMs: BigInt(Date.now() + 3_600_000),
  });
  valid = signTx({
    privKey: KEY,
    accountNumber: 1n,
    sequence: 0n,
    chainId: CHAIN,
    msgs: [msg],
    memo: 'fuzz',
  });
});
afterAll(async () => {
  await app?.close();
  await node?.stop();
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

/** The mutations, each rebuilding a TxRaw around a mutated part. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('raw-bit' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('body-bit' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('authinfo-bit' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('msg-bit' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('sig-bit' as const), bit: fc.nat({ max: 511 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('type-url' as const), url: fc.string({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('extra-field' as const),
    where: fc.constantFrom('raw', 'body', 'authinfo', 'msg'),
    field: fc.integer({ min: 6, max: 2000 }),
  }),
);

function mutate(m: { kind: string; [k: string]: unknown }): Uint8Array {
  const raw = TxRaw.decode(valid);
  const body = TxBody.decode(raw.bodyBytes);
  const extra = (field: number) => new Uint8Array([...encodeVarint((field << 3) | 0), 1]);
  switch (m.kind) {
    case 'raw-bit':
      return flip(valid, m.bit as number);
    case 'body-bit':
      return TxRaw.encode({ ...raw, bodyBytes: flip(raw.bodyBytes, m.bit as number) }).finish();
    case 'authinfo-bit':
      return TxRaw.encode({ ...raw, authInfoBytes: flip(raw.authInfoBytes, m.bit as number) }).finish();
    case 'msg-bit': {
      const msgs = [
        Any.fromPartial({ ...body.messages[0]!, value: flip(body.messages[0]!.value, m.bit as number) }),
      ];
      return TxRaw.encode({
        ...raw,
        bodyBytes: TxBody.encode({ ...body, messages: msgs }).finish(),
      }).finish();
    }
    case 'sig-bit':
      return TxRaw.encode({ ...raw, signatures: [flip(raw.signatures[0]!, m.bit as number)] }).finish();
    case 'truncate':
      return valid.subarray(0, (m.keep as number) % valid.length);
    case 'type-url': {
      const msgs = [Any.fromPartial({ ...body.messages[0]!, typeUrl: m.url as string })];
      return TxRaw.encode({
        ...raw,
        bodyBytes: TxBody.encode({ ...body, messages: msgs }).finish(),
      }).finish();
    }
    case 'extra-field': {
      const f = m.field as number;
      if (m.where === 'raw') return new Uint8Array([...valid, ...extra(f)]);
      if (m.where === 'body')
        return TxRaw.encode({ ...raw, bodyBytes: new Uint8Array([...raw.bodyBytes, ...extra(f)]) }).finish();
      if (m.where === 'authinfo')
        return TxRaw.encode({
          ...raw,
          authInfoBytes: new Uint8Array([...raw.authInfoBytes, ...extra(f)]),
        }).finish();
      const msgs = [
        Any.fromPartial({
          ...body.messages[0]!,
          value: new Uint8Array([...body.messages[0]!.value, ...extra(f)]),
        }),
      ];
      return TxRaw.encode({
        ...raw,
        bodyBytes: TxBody.encode({ ...body, messages: msgs }).finish(),
      }).finish();
    }
  }
  throw new Error(`unknown mutation ${m.kind}`);
}

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

describe('bad txs', () => {
  it('every mutation of a valid signed tx is refused with a typed code, root and mempool unchanged', async () => {
    const root = toHex(node.store.root);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const bytes = mutate(m);
        if (toHex(bytes) === toHex(valid)) return; // a mutation that changed nothing
        const r = await node.checkTx(bytes);
        expect(r.code, `${m.kind}: accepted`).not.toBe(0);
        expect(KNOWN_SPACES.has(r.codespace), `${m.kind}: codespace ${r.codespace}`).toBe(true);
        expect(r.log, m.kind).toMatch(/^[A-Z_]+: ./);
        expect(node.mempool.size).toBe(0);
        expect(toHex(node.store.root)).toBe(root);
      }),
      { numRuns: 600 },
    );
    // The unmutated tx is accepted: the mutations, not the fixture, were refused.
    expect((await node.checkTx(valid)).code).toBe(0);
  });
});

describe('bad JSON-RPC', () => {
  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/', payload, headers: { 'content-type': 'application/json' } });

  it('wrong param types, unknown methods and malformed requests get JSON errors naming the problem', async () => {
    const root = toHex(node.store.root);
    const value = fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 20 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
    );
    const call = fc.record({
      method: fc.oneof(
        fc.constantFrom('status', 'abci_query', 'broadcast_tx_sync', 'tx_search', 'block', 'tx', 'nope'),
        fc.string({ maxLength: 12 }),
      ),
      params: fc.oneof(
        value,
        fc.dictionary(
          fc.constantFrom('path', 'data', 'height', 'tx', 'query', 'page', 'per_page', 'hash', 'order_by'),
          value,
          { maxKeys: 4 },
        ),
      ),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
    });
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const res = await post(JSON.stringify({ jsonrpc: '2.0', ...c }));
        expect(res.statusCode).toBeLessThan(500);
        const body = JSON.parse(res.body) as {
          result?: unknown;
          error?: { code: number; message: string; data: string };
        };
        if (body.error) {
          expect(typeof body.error.code).toBe('number');
          expect(body.error.data.length).toBeGreaterThan(0);
        }
        expect(toHex(node.store.root)).toBe(root);
      }),
      { numRuns: 400 },
    );
  });

  it('limits: oversized body, oversized batch, huge per_page, invalid JSON', async () => {
    const big = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'broadcast_tx_sync',
        params: { tx: 'A'.repeat(1_100_000) },
      }),
    );
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body).error.data).toContain('exceeds');

    const batch = await post(
      JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'status' }))),
    );
    expect(batch.statusCode).toBe(400);
    expect(JSON.parse(batch.body).error.data).toContain('batch');

    const okBatch = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'status' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
      ]),
    );
    const arr = JSON.parse(okBatch.body) as { id: number; result?: unknown; error?: { code: number } }[];
    expect(arr.map((a) => a.id)).toEqual([1, 2]);
    expect(arr[1]!.error!.code).toBe(-32601);

    const perPage = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tx_search',
        params: { query: "tx.hash='00'", per_page: '100000000' },
      }),
    );
    expect(JSON.parse(perPage.body).error.data).toContain('per_page');

    const badJson = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(badJson.statusCode).toBe(400);
    expect(JSON.parse(badJson.body).error).toBeDefined();

    const getForm = await app.inject({ method: 'GET', url: '/block?height=abc' });
    expect(JSON.parse(getForm.body).error.data).toContain('height');
  });
});

/**
 * ABCI queries the node answers (what CometBFT would route to the app's Query): cosmos.auth
 * Account, cosmos.bank Balance/AllBalances over the account's balances, and
 * cosmos.tx Simulate — at the latest or a historical committed height.
 *
 * Denoms: `uumg` is the fee token (params.fee_denom). Collateral denoms (`col/<domain>/<token>`,
 * with a `/provisional` suffix for provisional stage) join AllBalances with the bridge.
 */
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth';
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query';
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from 'cosmjs-types/cosmos/bank/v1beta1/query';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SimulateRequest, SimulateResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service';
import { Any } from 'cosmjs-types/google/protobuf/any';
import type { StateReader } from '../../state/types.ts';
import { AccountCodec, ParamsCodec } from '../codec/messages.ts';
import { parseBech32 } from '../crypto.ts';
import { ChainError } from '../errors.ts';
import { BridgeConfigCodec } from '../hyperlane/codec.ts';
import { collateralBankKeys } from '../hyperlane/config.ts';
import { bridgeConfigKey } from '../hyperlane/keys.ts';
import { accountKey, bytesToUint, feeBalanceKey, paramsKey } from '../keys.ts';
import { decodeAmount } from '../ledger/index.ts';
import { readParams } from '../params.ts';
import { anteCheck, executeTx } from '../stf/applyTx.ts';
import { decodeTx } from '../tx.ts';
import type { HubNode } from './hubNode.ts';

/** An abci_query answer. */
export interface AbciQueryResult {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
  height: bigint;
}

type Getter = (key: Uint8Array) => Promise<Uint8Array | undefined>;

const ok = (value: Uint8Array, height: bigint): AbciQueryResult => ({
  code: 0,
  codespace: '',
  log: '',
  value,
  height,
});
// gRPC status codes as the Cosmos SDK maps them into ABCI query errors.
const fail = (code: number, log: string, height: bigint): AbciQueryResult => ({
  code,
  codespace: 'sdk',
  log,
  value: new Uint8Array(0),
  height,
});

function decodeReq<T>(what: string, data: Uint8Array, codec: { decode(b: Uint8Array): T }): T {
  try {
    return codec.decode(data);
  } catch (e) {
    throw new QueryError(`${what}: request data is not valid protobuf (${(e as Error).message})`);
  }
}

class QueryError extends Error {}

async function queryAccount(get: Getter, data: Uint8Array, height: bigint): Promise<AbciQueryResult> {
  const req = decodeReq('Account', data, QueryAccountRequest);
  const addr = parseBech32(req.address);
  if (addr === undefined)
    return fail(
      3,
      `rpc error: code = InvalidArgument desc = invalid address ${JSON.stringify(req.address)}`,
      height,
    );
  const raw = await get(accountKey(addr));
  if (raw === undefined)
    return fail(22, `rpc error: code = NotFound desc = account ${req.address} not found`, height);
  const a = AccountCodec.decode(raw);
  const base = BaseAccount.fromPartial({
    address: req.address,
    accountNumber: a.accountNumber,
    sequence: a.sequence,
    ...(a.pubKey.length > 0
      ? {
          pubKey: Any.fromPartial({
            typeUrl: '/cosmos.crypto.secp256k1.PubKey',
            value: PubKey.encode({ key: a.pubKey }).finish(),
          }),
        }
      : {}),
  });
  const resp = QueryAccountResponse.encode({
    account: Any.fromPartial({
      typeUrl: '/cosmos.auth.v1beta1.BaseAccount',
      value: BaseAccount.encode(base).finish(),
    }),
  }).finish();
  return ok(resp, height);
}

async function balancesOf(get: Getter, addr: Uint8Array): Promise<{ denom: string; amount: string }[]> {
  const paramsRaw = await get(paramsKey());
  const feeDenom = paramsRaw === undefined ? 'uumg' : ParamsCodec.decode(paramsRaw).feeDenom;
  const fee = bytesToUint(await get(feeBalanceKey(addr)));
  const out = fee === 0n ? [] : [{ denom: feeDenom, amount: fee.toString() }];
  // Bridged collateral (chain/hyperlane): col/<domain>/<token> final, …/provisional provisional.
  const bridgeRaw = await get(bridgeConfigKey());
  if (bridgeRaw !== undefined) {
    for (const { denom, key } of collateralBankKeys(BridgeConfigCodec.decode(bridgeRaw), addr)) {
      const amount = decodeAmount(await get(key));
      if (amount > 0n) out.push({ denom, amount: amount.toString() });
    }
  }
  return out.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
}

async function queryBalance(get: Getter, data: Uint8Array, height: bigint): Promise<AbciQueryResult> {
  const req = decodeReq('Balance', data, QueryBalanceRequest);
  const addr = parseBech32(req.address);
  if (addr === undefined)
    return fail(
      3,
      `rpc error: code = InvalidArgument desc = invalid address ${JSON.stringify(req.address)}`,
      height,
    );
  if (req.denom === '') return fail(3, 'rpc error: code = InvalidArgument desc = invalid denom ""', height);
  const found = (await balancesOf(get, addr)).find((c) => c.denom === req.denom);
  return ok(
    QueryBalanceResponse.encode({ balance: found ?? { denom: req.denom, amount: '0' } }).finish(),
    height,
  );
}

async function queryAllBalances(get: Getter, data: Uint8Array, height: bigint): Promise<AbciQueryResult> {
  const req = decodeReq('AllBalances', data, QueryAllBalancesRequest);
  const addr = parseBech32(req.address);
  if (addr === undefined)
    return fail(
      3,
      `rpc error: code = InvalidArgument desc = invalid address ${JSON.stringify(req.address)}`,
      height,
    );
  const balances = await balancesOf(get, addr);
  return ok(
    QueryAllBalancesResponse.encode(QueryAllBalancesResponse.fromPartial({ balances })).finish(),
    height,
  );
}

/** Simulate: the tx's deterministic gas and its messages' outcome on a throwaway view. */
function simulate(node: HubNode, data: Uint8Array, height: bigint): AbciQueryResult {
  const req = decodeReq('Simulate', data, SimulateRequest);
  const view = node.store.view();
  const params = readParams(view);
  try {
    const tx = decodeTx(req.txBytes, params, { simulate: true });
    const account = anteCheck(
      view,
      tx,
      node.config,
      { height: node.height + 1n, timeMs: BigInt(Date.now()) },
      params,
      {
        signatureVerified: true,
        expectedSequence: tx.sequence,
      },
    );
    const r = executeTx(view, tx, account, node.config, {
      height: node.height + 1n,
      timeMs: BigInt(Date.now()),
    });
    if (r.code !== 0)
      return { code: r.code, codespace: r.codespace, log: r.log, value: new Uint8Array(0), height };
    const resp = SimulateResponse.fromPartial({
      gasInfo: { gasWanted: r.gasUsed, gasUsed: r.gasUsed },
      result: { data: r.data, log: '', events: [], msgResponses: [] },
    });
    return ok(SimulateResponse.encode(resp).finish(), height);
  } catch (e) {
    if (e instanceof ChainError)
      return { code: e.abciCode, codespace: e.codespace, log: e.message, value: new Uint8Array(0), height };
    throw e;
  }
}

/**
 * Answers an abci_query. `height` 0 or undefined means the latest committed state; a
 * historical height reads that height's committed state through the store.
 */
export async function abciQuery(
  node: HubNode,
  path: string,
  data: Uint8Array,
  height?: bigint,
): Promise<AbciQueryResult> {
  const latest = node.height;
  const h = height === undefined || height === 0n ? latest : height;
  if (h > latest) return fail(26, `height ${h} is not committed yet; latest is ${latest}`, latest);
  if (h < 0n) return fail(26, `height ${h} is negative`, latest);
  let get: Getter;
  if (h === latest) {
    const view: StateReader = node.store.view();
    get = async (k) => view.get(k);
  } else {
    get = (k) => node.store.getAt(k, h);
  }
  try {
    switch (path) {
      case '/cosmos.auth.v1beta1.Query/Account':
        return await queryAccount(get, data, h);
      case '/cosmos.bank.v1beta1.Query/Balance':
        return await queryBalance(get, data, h);
      case '/cosmos.bank.v1beta1.Query/AllBalances':
        return await queryAllBalances(get, data, h);
      case '/cosmos.tx.v1beta1.Service/Simulate':
        if (h !== latest) return fail(3, 'Simulate runs at the latest height only', h);
        return simulate(node, data, h);
      default:
        return fail(
          6,
          `rpc error: code = Unimplemented desc = unknown query path ${JSON.stringify(path)}`,
          h,
        );
    }
  } catch (e) {
    if (e instanceof QueryError) return fail(3, `rpc error: code = InvalidArgument desc = ${e.message}`, h);
    throw e;
  }
}

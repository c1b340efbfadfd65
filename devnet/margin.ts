/**
 * What a trader does with unified margin on a running devnet, as the CLI and the scenarios call it:
 *
 * | helper | hub / chain | followed until |
 * | --- | --- | --- |
 * | {@link devnetAllowance} | `MsgRequestAllowance` (reserve free margin for the key's EVM address on a chain) | the chain's PositionAdapter holds it (`allowances(owner)`), then its ACK is final on the hub |
 * | {@link devnetOpen} | `SampleMarketBase.trade` on the chain's sample market (the adapter checks the allowance and reports POSITION) | the hub shows the report provisional, then final |
 * | {@link devnetWithdraw} | `MsgWithdraw` (freeze → RELEASE → final ACK) | the recipient holds the tokens on chain, the ACK reached the hub, then it is final |
 * | {@link setPerpMarks} | `SamplePerpMarket.setMark` by the market owner (key 0) | mined |
 *
 * Latencies count from the first submission (the hub tx or the chain tx) and are what the scenarios
 * report: RELEASE → ACK is measured from the block that dispatched the RELEASE (the withdrawal's
 * block) to the hub holding the vault's ACK, and again to that ACK being final.
 */
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  formatUnits,
  getAddress,
  type Hex,
  parseEventLogs,
  parseUnits,
} from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import {
  mockERC20Abi,
  positionAdapterAbi,
  sampleMarketBaseAbi,
  samplePerpMarketAbi,
} from '../contracts-abi/index.ts';
import { hubAddressOfKey, hubMessageStatus, readWorldFile } from './cli.ts';
import { DevnetError } from './errors.ts';
import { createEvmClients, type EvmClients, waitForSuccess } from './evm/clients.ts';
import { type HubTxEvent, HubTxSender, requestAllowanceAny, withdrawAny } from './hubTx.ts';
import { devnetKey, KEY_INDEX } from './keys.ts';
import type { WorldFile } from './up.ts';

/** 1.0 in the markets' size units (SampleMarketBase.SIZE_UNIT). */
export const SIZE_UNIT = 10n ** 18n;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));

/** The running chain named `name` (`DEVNET_BAD_ARGUMENT` naming the choices otherwise). */
export function chainOfWorld(w: WorldFile, name: string): WorldFile['chains'][number] {
  const c = w.chains.find((x) => x.name === name);
  if (c === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--chain ${JSON.stringify(name)} is not a devnet chain; expected one of ${w.chains.map((x) => x.name).join(', ')}`,
      { field: 'chain', value: name },
    );
  }
  return c;
}

/** viem clients of `chain` signing with devnet key `keyIndex`. */
export function clientsOf(w: WorldFile, chain: string, keyIndex: number): EvmClients {
  const c = chainOfWorld(w, chain);
  return createEvmClients({
    rpcUrl: c.rpcUrl,
    chainId: c.chainId,
    privateKey: devnetKey(keyIndex),
    pollingIntervalMs: 50,
  });
}

/** A hub tx sender for devnet key `keyIndex` (its bech32 account is in genesis for keys 0–9). */
export function hubSender(w: WorldFile, keyIndex: number): HubTxSender {
  const key = devnetKey(keyIndex);
  return new HubTxSender(w.hub.url, key, hubAddressOfKey(key), w.hub.chainId);
}

/** The hub's record of a settlement (`GET /v1/bridge/settlements/:id`), or undefined before it exists. */
export async function hubSettlement(
  hubUrl: string,
  settlementId: string,
): Promise<{ status: string; ack_status: string; ack_stage: string; kind: string } | undefined> {
  const r = await fetch(`${hubUrl}/v1/bridge/settlements/${settlementId}`, {
    signal: AbortSignal.timeout(3000),
  }).catch(() => undefined);
  if (r === undefined || !r.ok) return undefined;
  return (await r.json()) as { status: string; ack_status: string; ack_stage: string; kind: string };
}

/** The time (ms) of hub block `height` from its header, or undefined. */
export async function hubBlockTimeMs(hubUrl: string, height: bigint | string): Promise<number | undefined> {
  const r = await fetch(`${hubUrl}/v1/blocks/${height}`, { signal: AbortSignal.timeout(3000) }).catch(
    () => undefined,
  );
  if (r === undefined || !r.ok) return undefined;
  return Number(((await r.json()) as { time_ms: string }).time_ms);
}

/**
 * A settlement's dispatch → ACK latency in hub block time: the block that (last) dispatched it to
 * the block that recorded its ACK, ms — independent of how often anyone polls. Undefined before the
 * ACK is recorded.
 */
export async function settlementAckLatencyMs(
  hubUrl: string,
  settlementId: string,
): Promise<number | undefined> {
  const r = await fetch(`${hubUrl}/v1/bridge/settlements/${settlementId}`, {
    signal: AbortSignal.timeout(3000),
  }).catch(() => undefined);
  if (r === undefined || !r.ok) return undefined;
  const s = (await r.json()) as { dispatched_height: string; acked_height: string | null };
  if (s.acked_height === null) return undefined;
  const [a, b] = await Promise.all([
    hubBlockTimeMs(hubUrl, s.dispatched_height),
    hubBlockTimeMs(hubUrl, s.acked_height),
  ]);
  return a === undefined || b === undefined ? undefined : b - a;
}

/** The first attribute `key` of the first event of `type`, or undefined. */
function attr(events: readonly HubTxEvent[], type: string, key: string): string | undefined {
  return events.find((e) => e.type === type && e.attributes[key] !== undefined)?.attributes[key];
}

/** Polls `probe` every `everyMs` until it returns a value or `deadline` (ms epoch) passes. */
async function until<T>(
  probe: () => Promise<T | undefined>,
  deadline: number,
  everyMs = 100,
): Promise<T | undefined> {
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

// ---- allowance ----

/** Options of {@link devnetAllowance}. */
export interface AllowanceOpts {
  readonly home?: string;
  readonly chain: string;
  /** Devnet key of the trader (its hub account and its own EVM address, linked at genesis). */
  readonly keyIndex: number;
  /** The allowance in USD, decimal ("1500", "700.5"); it *sets* the allowance (0 releases it). */
  readonly amountUsd: string;
  /** Follow it to the chain and to its final ACK (default true). */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly print?: (line: string) => void;
}

/** What {@link devnetAllowance} did. */
export interface AllowanceResult {
  readonly chain: string;
  readonly owner: Address;
  readonly amountMicro: bigint;
  readonly sequence: bigint;
  readonly settlementId: string;
  /** Hub height of the block that reserved it and dispatched the ALLOWANCE. */
  readonly height: bigint;
  /** Submission → committed on the hub, ms. */
  readonly committedMs: number;
  /** Submission → the adapter on the chain holds it, ms. */
  readonly onChainMs?: number;
  /** Submission → its ACK is final on the hub, ms. */
  readonly ackFinalMs?: number;
}

/** Parses a decimal USD amount into µUSD (`DEVNET_BAD_ARGUMENT` when malformed). */
export function usdToMicro(field: string, v: string): bigint {
  if (!/^[0-9]+(\.[0-9]{1,6})?$/.test(v)) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--${field} ${JSON.stringify(v)} must be a non-negative decimal USD amount with at most 6 decimals`,
      { field, value: v },
    );
  }
  return parseUnits(v, 6);
}

/**
 * `MsgRequestAllowance` for the key's own EVM address on `chain`: the hub reserves that much of the
 * account's free margin (refused with MARGIN_IM_UNMET beyond 80 % of equity − IM) and sends
 * ALLOWANCE to the chain's PositionAdapter, which then lets the owner open risk up to it.
 */
export async function devnetAllowance(opts: AllowanceOpts): Promise<AllowanceResult> {
  const sent = await requestAllowance(opts);
  if (opts.wait === false) return sent;
  return await followAllowance(opts, sent);
}

/** The hub part of {@link devnetAllowance}: sends MsgRequestAllowance and returns once committed. */
export async function requestAllowance(
  opts: AllowanceOpts,
): Promise<AllowanceResult & { readonly sentAtMs: number }> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const c = chainOfWorld(w, opts.chain);
  const amountMicro = usdToMicro('amount-usd', opts.amountUsd);
  const key = devnetKey(opts.keyIndex);
  const owner = privateKeyToAddress(key);
  const sender = hubSender(w, opts.keyIndex);
  const t0 = Date.now();
  const r = await sender.send([
    requestAllowanceAny({
      sender: sender.address,
      domain: c.domain,
      owner: hexBytes(owner),
      amountMicro: amountMicro.toString(),
    }),
  ]);
  const committedMs = Date.now() - t0;
  const settlementId = attr(r.events, 'hyperlane.dispatch', 'settlement_id') ?? '';
  const sequence = BigInt(attr(r.events, 'margin.allowance', 'sequence') ?? '0');
  print(
    `allowance of $${formatUnits(amountMicro, 6)} for ${owner} on ${c.name} reserved at hub height ${r.height} (sequence ${sequence}, settlement ${settlementId}) after ${(committedMs / 1000).toFixed(2)}s`,
  );
  return {
    chain: c.name,
    owner,
    amountMicro,
    sequence,
    settlementId,
    height: r.height,
    committedMs,
    sentAtMs: t0,
  };
}

/**
 * The chain part of {@link devnetAllowance}: waits until the chain's adapter holds the allowance
 * `sent` carried (its sequence or a later one), then until its ACK is final on the hub.
 */
export async function followAllowance(
  opts: Pick<AllowanceOpts, 'home' | 'timeoutMs' | 'print'>,
  sent: AllowanceResult & { readonly sentAtMs: number },
): Promise<AllowanceResult> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const c = chainOfWorld(w, sent.chain);
  const t0 = sent.sentAtMs;
  const end = t0 + (opts.timeoutMs ?? 60_000);
  const clients = clientsOf(w, c.name, KEY_INDEX.deployer);
  const onChain = await until(async () => {
    const [amount, seq] = await clients.publicClient.readContract({
      address: c.deployment.app.adapter,
      abi: positionAdapterAbi,
      functionName: 'allowances',
      args: [sent.owner],
    });
    return seq > sent.sequence || (seq === sent.sequence && amount === sent.amountMicro)
      ? Date.now() - t0
      : undefined;
  }, end);
  if (onChain !== undefined)
    print(`  ${c.name}: PositionAdapter holds it after ${(onChain / 1000).toFixed(2)}s`);
  const ackFinal = await until(async () => {
    const s = await hubSettlement(w.hub.url, sent.settlementId);
    return s !== undefined && s.ack_stage === 'final' ? Date.now() - t0 : undefined;
  }, end);
  if (ackFinal !== undefined) print(`  hub: its ACK is final after ${(ackFinal / 1000).toFixed(2)}s`);
  const { sentAtMs: _, ...base } = sent;
  return {
    ...base,
    ...(onChain === undefined ? {} : { onChainMs: onChain }),
    ...(ackFinal === undefined ? {} : { ackFinalMs: ackFinal }),
  };
}

// ---- positions ----

/** Options of {@link devnetOpen}. */
export interface OpenOpts {
  readonly home?: string;
  readonly chain: string;
  readonly keyIndex: number;
  /** Sample instrument name: `ETH-PERP`, `BTC-PERP`, `ETH-C-3500-30D`, `ETH-P-2500-30D`. */
  readonly instrument: string;
  /** Signed size change in whole units ("2" buys 2, "-0.5" sells half a unit). */
  readonly size: string;
  /** Follow the POSITION report to final on the hub (default true). */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly print?: (line: string) => void;
}

/** What {@link devnetOpen} did. */
export interface OpenResult {
  readonly chain: string;
  readonly instrument: string;
  readonly owner: Address;
  /** Size change and the new size, signed, E18 units. */
  readonly sizeDeltaE18: bigint;
  readonly newSizeE18: bigint;
  /** Trade price and realised P&L, settlement-token atomic units. */
  readonly price: bigint;
  readonly realisedPnl: bigint;
  readonly txHash: Hex;
  /** The POSITION message to the hub. */
  readonly messageId: Hex;
  /** Trade tx sent → mined, ms. */
  readonly includedMs: number;
  /** Trade tx sent → the hub holds the report (provisional or final), ms. */
  readonly provisionalMs?: number;
  /** Trade tx sent → the report is final on the hub, ms. */
  readonly finalMs?: number;
}

/** Parses a signed decimal size into E18 units (`DEVNET_BAD_ARGUMENT` when malformed or zero). */
export function sizeToE18(v: string): bigint {
  if (!/^-?[0-9]+(\.[0-9]{1,18})?$/.test(v)) {
    throw new DevnetError('DEVNET_BAD_ARGUMENT', `--size ${JSON.stringify(v)} must be a signed decimal`, {
      field: 'size',
      value: v,
    });
  }
  const n = v.startsWith('-') ? -parseUnits(v.slice(1), 18) : parseUnits(v, 18);
  if (n === 0n)
    throw new DevnetError('DEVNET_BAD_ARGUMENT', '--size must not be zero', { field: 'size', value: v });
  return n;
}

/** Why a contract call reverted, as `ErrorName(args…)`, or the short message. */
function revertReason(e: unknown): string {
  if (e instanceof BaseError) {
    const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError && r.data !== undefined)
      return `${r.data.errorName}(${(r.data.args ?? []).map(String).join(', ')})`;
    return e.shortMessage;
  }
  return String(e);
}

/**
 * Trades `size` of `instrument` on `chain`'s sample market from the key's EVM address. The market
 * is hub-margined: its PositionAdapter refuses added risk beyond the owner's allowance
 * (`AllowanceExceeded` → `DEVNET_TX_FAILED`, simulated first so nothing is sent), then reports the
 * new position to the hub, where it counts provisionally at once and as a hedge only once final.
 */
export async function devnetOpen(opts: OpenOpts): Promise<OpenResult> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const c = chainOfWorld(w, opts.chain);
  const inst = c.deployment.app.instruments[opts.instrument];
  if (inst === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--instrument ${JSON.stringify(opts.instrument)} is not listed on ${c.name}; expected one of ${Object.keys(c.deployment.app.instruments).join(', ')}`,
      { field: 'instrument', value: opts.instrument },
    );
  }
  const delta = sizeToE18(opts.size);
  const clients = clientsOf(w, c.name, opts.keyIndex);
  const owner = clients.walletClient.account.address;
  try {
    await clients.publicClient.simulateContract({
      account: clients.walletClient.account,
      address: inst.market,
      abi: sampleMarketBaseAbi,
      functionName: 'trade',
      args: [inst.id, delta],
    });
  } catch (e) {
    const why = revertReason(e);
    throw new DevnetError(
      'DEVNET_TX_FAILED',
      `trade ${opts.size} ${opts.instrument} on ${c.name} by ${owner} would revert: ${why}${
        why.startsWith('AllowanceExceeded')
          ? ` — request an allowance first ('unimargin devnet allowance --chain ${c.name} --amount-usd N --key-index ${opts.keyIndex}')`
          : ''
      }`,
      { chain: c.name, instrument: opts.instrument, reason: why },
      e,
    );
  }
  const t0 = Date.now();
  const txHash = await clients.walletClient.writeContract({
    address: inst.market,
    abi: sampleMarketBaseAbi,
    functionName: 'trade',
    args: [inst.id, delta],
    gas: 1_000_000n,
  });
  const receipt = await waitForSuccess(clients, txHash, `trade ${opts.instrument} on ${c.name}`);
  const includedMs = Date.now() - t0;
  const traded = parseEventLogs({ abi: sampleMarketBaseAbi, logs: receipt.logs, eventName: 'Traded' })[0];
  const reported = parseEventLogs({
    abi: positionAdapterAbi,
    logs: receipt.logs,
    eventName: 'PositionReported',
  })[0];
  if (traded === undefined || reported === undefined) {
    throw new DevnetError(
      'DEVNET_TX_FAILED',
      `trade tx ${txHash} on ${c.name} emitted no Traded/PositionReported`,
      {
        txHash,
      },
    );
  }
  const messageId = reported.args.messageId;
  const dec = c.deployment.app.tokenDecimals[c.deployment.app.settlementToken] ?? 6;
  print(
    `traded ${opts.size} ${opts.instrument} on ${c.name} at ${formatUnits(traded.args.price, dec)} (position now ${formatUnits(traded.args.newSize, 18)}, realised ${formatUnits(traded.args.realisedPnl, dec)}): tx ${txHash}, POSITION ${messageId}`,
  );
  const base = {
    chain: c.name,
    instrument: opts.instrument,
    owner,
    sizeDeltaE18: delta,
    newSizeE18: traded.args.newSize,
    price: traded.args.price,
    realisedPnl: traded.args.realisedPnl,
    txHash,
    messageId,
    includedMs,
  };
  if (opts.wait === false) return base;
  const f = await followInbound(w.hub.url, messageId, t0, opts.timeoutMs ?? 60_000, print);
  return { ...base, ...f };
}

/** Follows an inbound message on the hub to provisional and final; latencies from `t0`. */
export async function followInbound(
  hubUrl: string,
  messageId: Hex,
  t0: number,
  timeoutMs: number,
  print: (l: string) => void,
): Promise<{ provisionalMs?: number; finalMs?: number; result?: string }> {
  let provisionalMs: number | undefined;
  let finalMs: number | undefined;
  let result: string | undefined;
  const end = t0 + timeoutMs;
  while (Date.now() < end && finalMs === undefined) {
    const s = await hubMessageStatus(hubUrl, messageId).catch(() => undefined);
    if (s !== undefined) {
      result = s.result;
      if (provisionalMs === undefined) {
        provisionalMs = Date.now() - t0;
        print(`  hub: ${s.stage} after ${(provisionalMs / 1000).toFixed(2)}s (${s.result})`);
      }
      if (s.stage === 'final') {
        finalMs = Date.now() - t0;
        print(`  hub: final after ${(finalMs / 1000).toFixed(2)}s`);
      }
    }
    if (finalMs === undefined) await sleep(100);
  }
  return {
    ...(provisionalMs === undefined ? {} : { provisionalMs }),
    ...(finalMs === undefined ? {} : { finalMs }),
    ...(result === undefined ? {} : { result }),
  };
}

/** The owner's position on a chain's sample market (signed size E18, entry price), read on chain. */
export async function marketPosition(
  w: WorldFile,
  chain: string,
  instrument: string,
  owner: Address,
): Promise<{ sizeE18: bigint; entryPrice: bigint }> {
  const c = chainOfWorld(w, chain);
  const inst = c.deployment.app.instruments[instrument];
  if (inst === undefined)
    throw new DevnetError('DEVNET_BAD_ARGUMENT', `${instrument} not listed on ${chain}`);
  const [sizeE18, entryPrice] = await clientsOf(w, chain, KEY_INDEX.deployer).publicClient.readContract({
    address: inst.market,
    abi: sampleMarketBaseAbi,
    functionName: 'positions',
    args: [owner, inst.id],
  });
  return { sizeE18, entryPrice };
}

/**
 * Sets the sample perp market's mark price of `instrument` on each chain (the market owner, key 0,
 * keeps its funding index): trades and hub closes execute at the mark, so a scenario keeps it at
 * the oracle's price. `priceUsd` is converted with the settlement token's decimals.
 */
export async function setPerpMarks(
  w: WorldFile,
  chains: readonly string[],
  instrument: string,
  priceUsd: number,
): Promise<void> {
  await Promise.all(
    chains.map(async (name) => {
      const c = chainOfWorld(w, name);
      const inst = c.deployment.app.instruments[instrument];
      if (inst === undefined || inst.kind !== 'perp') return;
      const dec = c.deployment.app.tokenDecimals[c.deployment.app.settlementToken] ?? 6;
      const clients = clientsOf(w, name, KEY_INDEX.deployer);
      const [, , funding] = await clients.publicClient.readContract({
        address: inst.market,
        abi: samplePerpMarketAbi,
        functionName: 'perps',
        args: [inst.id],
      });
      const mark = parseUnits(priceUsd.toFixed(Math.min(dec, 6)), dec);
      const hash = await clients.walletClient.writeContract({
        address: inst.market,
        abi: samplePerpMarketAbi,
        functionName: 'setMark',
        args: [inst.id, mark, funding],
      });
      await waitForSuccess(clients, hash, `setMark ${instrument} on ${name}`);
    }),
  );
}

// ---- withdrawals ----

/** Options of {@link devnetWithdraw}. */
export interface WithdrawOpts {
  readonly home?: string;
  readonly chain: string;
  readonly token: string;
  /** Whole tokens, decimal ("100", "0.5"). */
  readonly amount: string;
  readonly keyIndex: number;
  /** Receives the tokens on the chain (default: the key's EVM address). */
  readonly recipient?: Address;
  /** Follow it to the final ACK (default true). */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly print?: (line: string) => void;
}

/** What {@link devnetWithdraw} did. */
export interface WithdrawResult {
  readonly chain: string;
  readonly token: string;
  readonly amount: bigint;
  readonly recipient: Address;
  readonly settlementId: string;
  /** The RELEASE message id (hub → chain). */
  readonly messageId: string;
  /** Hub height of the withdrawal (the block that dispatched the RELEASE). */
  readonly height: bigint;
  /** Submission → committed on the hub (RELEASE dispatched), ms. */
  readonly committedMs: number;
  /** RELEASE dispatched → the recipient holds the tokens on chain, ms. */
  readonly releasedMs?: number;
  /** RELEASE dispatched → the hub holds the vault's ACK, ms (hub block times of both). */
  readonly ackMs?: number;
  /** RELEASE dispatched → that ACK is final on the hub, ms. */
  readonly ackFinalMs?: number;
  /** The ACK's status on the hub (`executed`, `failed`, `cancelled`), when known. */
  readonly ackStatus?: string;
}

/**
 * `MsgWithdraw` of the key's final collateral on `chain`: the hub debits it at once, sends RELEASE
 * to the chain's vault and counts it in flight until the vault's ACK is final (a failed or
 * cancelled ACK restores it). Refusals (provisional credit only, IM, stale prices, halted domain…)
 * come back as `DEVNET_TX_FAILED` with the hub's code first in the message.
 */
export async function devnetWithdraw(opts: WithdrawOpts): Promise<WithdrawResult> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const w = readWorldFile(opts.home);
  const c = chainOfWorld(w, opts.chain);
  const token = c.deployment.app.tokens[opts.token];
  const decimals = c.deployment.app.tokenDecimals[opts.token];
  if (token === undefined || decimals === undefined) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--token ${JSON.stringify(opts.token)} is not deployed on ${c.name}; expected one of ${Object.keys(c.deployment.app.tokens).join(', ')}`,
      { field: 'token', value: opts.token },
    );
  }
  if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.amount)) {
    throw new DevnetError(
      'DEVNET_BAD_ARGUMENT',
      `--amount ${JSON.stringify(opts.amount)} must be a positive decimal`,
      {
        field: 'amount',
        value: opts.amount,
      },
    );
  }
  const amount = parseUnits(opts.amount, decimals);
  if (amount === 0n)
    throw new DevnetError('DEVNET_BAD_ARGUMENT', `--amount ${opts.amount} is zero in ${opts.token} units`, {
      field: 'amount',
      value: opts.amount,
    });
  const recipient = getAddress(opts.recipient ?? privateKeyToAddress(devnetKey(opts.keyIndex)));
  const clients = clientsOf(w, c.name, KEY_INDEX.deployer);
  const before = await clients.publicClient.readContract({
    address: token,
    abi: mockERC20Abi,
    functionName: 'balanceOf',
    args: [recipient],
  });
  const sender = hubSender(w, opts.keyIndex);
  const t0 = Date.now();
  const r = await sender.send([
    withdrawAny({
      sender: sender.address,
      domain: c.domain,
      token: hexBytes(token),
      amount: amount.toString(),
      recipient: hexBytes(recipient),
    }),
  ]);
  const t1 = Date.now();
  const settlementId = attr(r.events, 'margin.withdraw', 'settlement_id') ?? '';
  const messageId = attr(r.events, 'hyperlane.dispatch', 'message_id') ?? '';
  print(
    `withdrawal of ${opts.amount} ${opts.token} on ${c.name} to ${recipient}: hub height ${r.height}, RELEASE ${messageId} (settlement ${settlementId}) after ${((t1 - t0) / 1000).toFixed(2)}s`,
  );
  const base = {
    chain: c.name,
    token: opts.token,
    amount,
    recipient,
    settlementId,
    messageId,
    height: r.height,
    committedMs: t1 - t0,
  };
  if (opts.wait === false) return base;
  const end = t1 + (opts.timeoutMs ?? 60_000);
  let releasedMs: number | undefined;
  let ackMs: number | undefined;
  let ackFinalMs: number | undefined;
  let ackStatus: string | undefined;
  while (Date.now() < end && ackFinalMs === undefined) {
    if (releasedMs === undefined) {
      const now = await clients.publicClient
        .readContract({ address: token, abi: mockERC20Abi, functionName: 'balanceOf', args: [recipient] })
        .catch(() => before);
      if (now - before >= amount) {
        releasedMs = Date.now() - t1;
        print(`  ${c.name}: the vault paid ${recipient} after ${(releasedMs / 1000).toFixed(2)}s`);
      }
    }
    const s = await hubSettlement(w.hub.url, settlementId);
    if (s !== undefined && s.ack_status !== 'none') {
      ackStatus = s.ack_status;
      if (ackMs === undefined) {
        ackMs = Date.now() - t1;
        print(
          `  hub: ACK(${s.ack_status}) ${s.ack_stage} after ${(ackMs / 1000).toFixed(2)}s (RELEASE → ACK)`,
        );
      }
      if (s.ack_stage === 'final') {
        ackFinalMs = Date.now() - t1;
        print(`  hub: ACK final after ${(ackFinalMs / 1000).toFixed(2)}s`);
      }
    }
    if (ackFinalMs === undefined) await sleep(100);
  }
  // The block-time figure when the hub has both blocks (polling adds up to a poll interval).
  ackMs = (await settlementAckLatencyMs(w.hub.url, settlementId)) ?? ackMs;
  return {
    ...base,
    ...(releasedMs === undefined ? {} : { releasedMs }),
    ...(ackMs === undefined ? {} : { ackMs }),
    ...(ackFinalMs === undefined ? {} : { ackFinalMs }),
    ...(ackStatus === undefined ? {} : { ackStatus }),
  };
}

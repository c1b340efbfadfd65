/**
 * Sending hub transactions from devnet tools (the oracle feeder, scenarios): a signer that keeps
 * its account number and sequence, signs with `bridge/agents`' `signHubTx` (SIGN_MODE_DIRECT, the
 * same bytes CosmJS produces) and waits for the tx to be committed.
 */
import { Any } from 'cosmjs-types/google/protobuf/any';
import type { Hex } from 'viem';
import { type HubSigner, hubSignerOf, RestHubApi, signHubTx } from '../bridge/agents/index.ts';
import { ORACLE_TYPE_URL } from '../chain/msgs.ts';
import {
  type MsgOracleUpdate,
  MsgOracleUpdateCodec,
  type MsgUpdateOracleConfig,
  MsgUpdateOracleConfigCodec,
} from '../chain/oracle/codec.ts';
import { DevnetError } from './errors.ts';

/** An `Any` for a MsgOracleUpdate. */
export function oracleUpdateAny(m: MsgOracleUpdate): Any {
  return Any.fromPartial({
    typeUrl: ORACLE_TYPE_URL.MsgOracleUpdate,
    value: MsgOracleUpdateCodec.toBytes(m),
  });
}

/** An `Any` for a MsgUpdateOracleConfig. */
export function updateOracleConfigAny(m: MsgUpdateOracleConfig): Any {
  return Any.fromPartial({
    typeUrl: ORACLE_TYPE_URL.MsgUpdateOracleConfig,
    value: MsgUpdateOracleConfigCodec.toBytes(m),
  });
}

/** The committed outcome of a hub tx. */
export interface HubTxResult {
  readonly hash: string;
  readonly code: number;
  readonly log: string;
  readonly height: bigint;
}

/** A hub account sending txs in order (one sequence counter; re-read after a sequence refusal). */
export class HubTxSender {
  readonly signer: HubSigner;
  readonly api: RestHubApi;
  private chainId: string | undefined;
  private accountNumber: bigint | undefined;
  private sequence: bigint | undefined;

  constructor(hubUrl: string, privateKey: Hex) {
    this.signer = hubSignerOf(privateKey);
    this.api = new RestHubApi(hubUrl);
  }

  /** Forgets the cached sequence (read again before the next send). */
  reset(): void {
    this.sequence = undefined;
  }

  private async refresh(): Promise<void> {
    const a = await this.api.account(this.signer.address);
    if (a === undefined) {
      throw new DevnetError(
        'DEVNET_TX_FAILED',
        `hub account ${this.signer.address} does not exist (not in genesis)`,
        {
          address: this.signer.address,
        },
      );
    }
    this.accountNumber = a.accountNumber;
    this.sequence = a.sequence;
  }

  /**
   * Signs, broadcasts and (unless `wait` is false) waits for the tx to commit. Throws
   * `DEVNET_TX_FAILED` when CheckTx refuses it or the committed tx failed (the log names the code).
   */
  async send(
    msgs: readonly Any[],
    opts: { gasLimit?: bigint; wait?: boolean; timeoutMs?: number } = {},
  ): Promise<HubTxResult> {
    this.chainId ??= await this.api.chainId();
    if (this.sequence === undefined) await this.refresh();
    for (let attempt = 0; ; attempt++) {
      const bytes = msgs.reduce((s, m) => s + m.value.length, 0);
      const tx = signHubTx({
        signer: this.signer,
        chainId: this.chainId,
        accountNumber: this.accountNumber!,
        sequence: this.sequence!,
        msgs,
        gasLimit: opts.gasLimit ?? BigInt(100_000 + 20 * bytes + 20_000 * msgs.length),
      });
      const r = await this.api.broadcastTxSync(tx);
      if (r.code !== 0) {
        if (attempt === 0 && /^TX_SEQUENCE/.test(r.log)) {
          await this.refresh();
          continue;
        }
        throw new DevnetError('DEVNET_TX_FAILED', `hub refused the tx: code ${r.code}: ${r.log}`, {
          code: r.code,
          log: r.log.slice(0, 300),
        });
      }
      this.sequence = this.sequence! + 1n;
      if (opts.wait === false) return { hash: r.hash, code: 0, log: '', height: -1n };
      const end = Date.now() + (opts.timeoutMs ?? 20_000);
      while (Date.now() < end) {
        const o = await this.api.txResult(r.hash);
        if (o !== undefined) {
          if (o.code !== 0) {
            throw new DevnetError('DEVNET_TX_FAILED', `hub tx ${r.hash} failed: code ${o.code}: ${o.log}`, {
              code: o.code,
              log: o.log.slice(0, 300),
            });
          }
          return { hash: r.hash, code: o.code, log: o.log, height: o.height };
        }
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new DevnetError(
        'DEVNET_TIMEOUT',
        `hub tx ${r.hash} not committed within ${opts.timeoutMs ?? 20_000} ms`,
        {
          hash: r.hash,
        },
      );
    }
  }
}

/**
 * Sending hub transactions from devnet tools (the oracle feeder, scenarios) with a small import
 * footprint — cosmjs-types encoders, native libsecp256k1 and `fetch`, no viem and no chain module
 * beyond the message codecs — because the feeder is a process of its own and its start counts in
 * `devnet up`'s time to ready. The bytes equal `bridge/agents`' `signHubTx` (a unit test checks):
 * Cosmos `TxRaw`, SIGN_MODE_DIRECT, one secp256k1 signer, low-s as libsecp256k1 produces.
 */
import { createHash } from 'node:crypto';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { Any } from 'cosmjs-types/google/protobuf/any';
import secp from 'secp256k1';
import {
  MARGIN_TYPE_URL,
  type MsgRequestAllowance,
  MsgRequestAllowanceCodec,
  type MsgWithdraw,
  MsgWithdrawCodec,
} from '../chain/margin/codec.ts';
import {
  type MsgOracleUpdate,
  MsgOracleUpdateCodec,
  type MsgUpdateOracleConfig,
  MsgUpdateOracleConfigCodec,
} from '../chain/oracle/codec.ts';
import { DevnetError } from './errors.ts';

/** Type URLs of the oracle messages (= `ORACLE_TYPE_URL` of `chain/msgs.ts`, pinned by a test). */
export const ORACLE_MSG_TYPE_URL = {
  MsgOracleUpdate: '/unimargin.v1.MsgOracleUpdate',
  MsgUpdateOracleConfig: '/unimargin.v1.MsgUpdateOracleConfig',
} as const;

/** An `Any` for a MsgOracleUpdate. */
export function oracleUpdateAny(m: MsgOracleUpdate): Any {
  return Any.fromPartial({
    typeUrl: ORACLE_MSG_TYPE_URL.MsgOracleUpdate,
    value: MsgOracleUpdateCodec.toBytes(m),
  });
}

/** An `Any` for a MsgUpdateOracleConfig. */
export function updateOracleConfigAny(m: MsgUpdateOracleConfig): Any {
  return Any.fromPartial({
    typeUrl: ORACLE_MSG_TYPE_URL.MsgUpdateOracleConfig,
    value: MsgUpdateOracleConfigCodec.toBytes(m),
  });
}

/** An `Any` for a MsgWithdraw (`/unimargin.v1.MsgWithdraw`: freeze → RELEASE → final ACK). */
export function withdrawAny(m: MsgWithdraw): Any {
  return Any.fromPartial({ typeUrl: MARGIN_TYPE_URL.MsgWithdraw, value: MsgWithdrawCodec.toBytes(m) });
}

/** An `Any` for a MsgRequestAllowance (`/unimargin.v1.MsgRequestAllowance`: reserve and send ALLOWANCE). */
export function requestAllowanceAny(m: MsgRequestAllowance): Any {
  return Any.fromPartial({
    typeUrl: MARGIN_TYPE_URL.MsgRequestAllowance,
    value: MsgRequestAllowanceCodec.toBytes(m),
  });
}

/** What {@link signTx} signs. */
export interface TxSpec {
  /** 32-byte secp256k1 key. */
  readonly privateKey: Uint8Array;
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly sequence: bigint;
  readonly msgs: readonly Any[];
  readonly gasLimit: bigint;
}

/** Signed `TxRaw` bytes (no fee: the devnet's minimum gas price is 0). */
export function signTx(spec: TxSpec): Uint8Array {
  const publicKey = secp.publicKeyCreate(spec.privateKey, true);
  const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [...spec.msgs], memo: '' })).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: Any.fromPartial({
            typeUrl: '/cosmos.crypto.secp256k1.PubKey',
            value: PubKey.encode({ key: publicKey }).finish(),
          }),
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: { amount: [], gasLimit: spec.gasLimit },
    }),
  ).finish();
  const doc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish();
  const { signature } = secp.ecdsaSign(
    new Uint8Array(createHash('sha256').update(doc).digest()),
    spec.privateKey,
  );
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

/** One event of a committed hub tx (attributes as key → value; the last value wins on repeats). */
export interface HubTxEvent {
  readonly type: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The committed outcome of a hub tx. */
export interface HubTxResult {
  readonly hash: string;
  readonly code: number;
  readonly log: string;
  readonly height: bigint;
  /** Events of the tx (empty when not waited for). */
  readonly events: readonly HubTxEvent[];
}

/**
 * A hub account sending txs in order over the node's REST and JSON-RPC: one sequence counter, read
 * again after a sequence refusal or {@link reset}. `address` is the account's bech32 address (the
 * caller derives it once; this module stays free of the address codecs).
 */
export class HubTxSender {
  private accountNumber: bigint | undefined;
  private sequence: bigint | undefined;
  private readonly privateKey: Uint8Array;

  constructor(
    readonly hubUrl: string,
    privateKeyHex: string,
    readonly address: string,
    readonly chainId: string,
  ) {
    this.privateKey = Uint8Array.from(Buffer.from(privateKeyHex.replace(/^0x/, ''), 'hex'));
  }

  /** Forgets the cached sequence (read again before the next send). */
  reset(): void {
    this.sequence = undefined;
  }

  private async refresh(): Promise<void> {
    const r = await fetch(`${this.hubUrl}/v1/accounts/${this.address}`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!r.ok) {
      throw new DevnetError(
        'DEVNET_TX_FAILED',
        `hub account ${this.address}: HTTP ${r.status} (not in genesis?)`,
        {
          address: this.address,
        },
      );
    }
    const a = (await r.json()) as { account_number: string; sequence: string };
    this.accountNumber = BigInt(a.account_number);
    this.sequence = BigInt(a.sequence);
  }

  private async broadcast(tx: Uint8Array): Promise<{ code: number; log: string; hash: string }> {
    const r = await fetch(this.hubUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'broadcast_tx_sync',
        params: { tx: Buffer.from(tx).toString('base64') },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const j = (await r.json()) as {
      result?: { code: number; log: string; hash: string };
      error?: { data?: string };
    };
    if (j.result === undefined)
      throw new DevnetError('DEVNET_TX_FAILED', `broadcast failed: ${j.error?.data ?? 'no result'}`);
    return j.result;
  }

  /**
   * Signs, broadcasts and (unless `wait` is false) waits for the tx to commit. Throws
   * `DEVNET_TX_FAILED` when CheckTx refuses it or the committed tx failed (the log names the code).
   */
  async send(
    msgs: readonly Any[],
    opts: { gasLimit?: bigint; wait?: boolean; timeoutMs?: number } = {},
  ): Promise<HubTxResult> {
    if (this.sequence === undefined) await this.refresh();
    for (let attempt = 0; ; attempt++) {
      const bytes = msgs.reduce((s, m) => s + m.value.length, 0);
      const tx = signTx({
        privateKey: this.privateKey,
        chainId: this.chainId,
        accountNumber: this.accountNumber!,
        sequence: this.sequence!,
        msgs,
        gasLimit: opts.gasLimit ?? BigInt(100_000 + 20 * bytes + 20_000 * msgs.length),
      });
      const r = await this.broadcast(tx);
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
      if (opts.wait === false) return { hash: r.hash, code: 0, log: '', height: -1n, events: [] };
      const end = Date.now() + (opts.timeoutMs ?? 20_000);
      while (Date.now() < end) {
        const t = await fetch(`${this.hubUrl}/v1/txs/${r.hash}`, { signal: AbortSignal.timeout(3000) }).catch(
          () => undefined,
        );
        if (t?.ok) {
          const j = (await t.json()) as {
            height: string;
            result: {
              code: number;
              log: string;
              events?: { type: string; attributes: { key: string; value: string }[] }[];
            };
          };
          if (j.result.code !== 0) {
            throw new DevnetError(
              'DEVNET_TX_FAILED',
              `hub tx ${r.hash} failed: code ${j.result.code}: ${j.result.log}`,
              {
                code: j.result.code,
                log: j.result.log.slice(0, 300),
              },
            );
          }
          const events = (j.result.events ?? []).map((e) => ({
            type: e.type,
            attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
          }));
          return { hash: r.hash, code: 0, log: j.result.log, height: BigInt(j.height), events };
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

/** Params: defaults, validation, and their place in state. */
import type { StateReader, StateView } from '../state/types.ts';
import { type Params, ParamsCodec } from './codec/messages.ts';
import { ChainError } from './errors.ts';
import { paramsKey } from './keys.ts';

/** Devnet defaults: a zero min gas price, 64 KiB txs, a 3G-gas block (10,000 txs at a 300k gas limit). */
export const DEFAULT_PARAMS: Params = {
  feeDenom: 'uumg',
  minGasPricePerKgas: 0n,
  blockGasLimit: 3_000_000_000n,
  maxTxBytes: 65_536n,
  gasPerTx: 20_000n,
  gasPerByte: 10n,
  gasPerSignature: 1_000n,
  gasPerMsg: 10_000n,
  maxMemoChars: 256n,
  maxLinkValidityMs: 86_400_000n,
  maxMsgsPerTx: 64n,
};

/** Throws PARAMS_INVALID naming the first field out of range. */
export function validateParams(p: Params): void {
  const bad = (field: string, why: string) => {
    throw new ChainError('PARAMS_INVALID', `params.${field} ${why}`, { field });
  };
  if (!/^[a-z][a-z0-9/]{2,127}$/.test(p.feeDenom))
    bad('feeDenom', `${JSON.stringify(p.feeDenom)} is not a valid denom`);
  if (p.maxTxBytes < 256n || p.maxTxBytes > 1_048_576n)
    bad('maxTxBytes', `${p.maxTxBytes} is outside [256, 1048576]`);
  if (p.gasPerTx === 0n && p.gasPerByte === 0n) bad('gasPerTx', 'and gasPerByte are both zero');
  const oneTx = p.gasPerTx + p.gasPerByte * p.maxTxBytes + p.gasPerSignature + p.gasPerMsg * p.maxMsgsPerTx;
  if (p.blockGasLimit < oneTx)
    bad('blockGasLimit', `${p.blockGasLimit} cannot hold one maximal tx (${oneTx} gas)`);
  if (p.maxMsgsPerTx < 1n || p.maxMsgsPerTx > 1024n)
    bad('maxMsgsPerTx', `${p.maxMsgsPerTx} is outside [1, 1024]`);
  if (p.maxMemoChars > 4096n) bad('maxMemoChars', `${p.maxMemoChars} exceeds 4096`);
  if (p.maxLinkValidityMs < 60_000n) bad('maxLinkValidityMs', `${p.maxLinkValidityMs} is below one minute`);
}

/** The params in state (genesis writes them; they are always present after InitChain). */
export function readParams(state: StateReader): Params {
  const raw = state.get(paramsKey());
  if (raw === undefined) throw new Error('params missing from state: genesis was not applied');
  return ParamsCodec.decode(raw);
}

export function writeParams(state: StateView, p: Params): void {
  state.set(paramsKey(), ParamsCodec.toBytes(p));
}

/** Oracle records in state: the config and the price of each feed (under PREFIX.oracle). */
import type { StateReader, StateView } from '../../state/types.ts';
import { concatBytes, PREFIX } from '../keys.ts';
import { type OracleConfig, OracleConfigCodec, type OraclePrice, OraclePriceCodec } from './codec.ts';

const enc = new TextEncoder();
/** oracle ‖ 0x00 → OracleConfig */
export const oracleConfigKey = () => Uint8Array.of(PREFIX.oracle, 0x00);
/** oracle ‖ 0x01 ‖ utf8(feed) → OraclePrice */
export const oraclePriceKey = (feed: string) =>
  concatBytes(Uint8Array.of(PREFIX.oracle, 0x01), enc.encode(feed));
export const oraclePricePrefix = () => Uint8Array.of(PREFIX.oracle, 0x01);

export function readOracleConfig(state: StateReader): OracleConfig | undefined {
  const raw = state.get(oracleConfigKey());
  return raw === undefined ? undefined : OracleConfigCodec.decode(raw);
}
export function writeOracleConfig(state: StateView, c: OracleConfig): void {
  state.set(oracleConfigKey(), OracleConfigCodec.toBytes(c));
}
export function readPrice(state: StateReader, feed: string): OraclePrice | undefined {
  const raw = state.get(oraclePriceKey(feed));
  return raw === undefined ? undefined : OraclePriceCodec.decode(raw);
}
export function writePrice(state: StateView, feed: string, p: OraclePrice): void {
  state.set(oraclePriceKey(feed), OraclePriceCodec.toBytes(p));
}
/** Every feed's price, ascending by feed id. */
export function allPrices(state: StateReader): [string, OraclePrice][] {
  const prefix = oraclePricePrefix();
  const dec = new TextDecoder();
  const out: [string, OraclePrice][] = [];
  for (const [k, v] of state.entries(prefix))
    out.push([dec.decode(k.subarray(prefix.length)), OraclePriceCodec.decode(v)]);
  return out;
}

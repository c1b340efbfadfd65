/** Block hashing: block hash, data hash and results hash (formulas in proto/unimargin/v1/types.proto). */
import { type Header, HeaderCodec, ResultForHashCodec, type TxResult } from './codec/messages.ts';
import { sha256 } from './crypto.ts';
import { concatBytes } from './keys.ts';

/** sha256(Header bytes): the block hash the sequencer signs. */
export function blockHash(header: Header): Uint8Array {
  return sha256(HeaderCodec.toBytes(header));
}

/** sha256 over the concatenated sha256 of each tx (empty block → sha256 of nothing). */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return sha256(concatBytes(...txs.map(sha256)));
}

/** sha256 over the concatenated sha256 of each receipt's consensus fields {code, data, gas_wanted, gas_used}. */
export function resultsHash(results: readonly TxResult[]): Uint8Array {
  return sha256(
    concatBytes(
      ...results.map((r) =>
        sha256(
          ResultForHashCodec.toBytes({
            code: r.code,
            data: r.data,
            gasWanted: r.gasWanted,
            gasUsed: r.gasUsed,
          }),
        ),
      ),
    ),
  );
}

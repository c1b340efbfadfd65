/**
 * Genesis validation: each malformed field is refused with GENESIS_INVALID naming it; the genesis
 * hash is a function of content, not of JSON layout.
 */
import { describe, expect, it } from 'vitest';
import { ChainError, genesisHash, genesisToJson, parseGenesis } from '../../../chain/index.ts';
import { devnetGenesis, generateSequencerKey } from '../../../chain/node/home.ts';

const base = genesisToJson(
  devnetGenesis(generateSequencerKey().publicKey, { accounts: 3, genesisTimeMs: 1_700_000_000_000n }),
);
const clone = () => JSON.parse(JSON.stringify(base)) as Record<string, unknown> & typeof base;

describe('genesis', () => {
  it('round-trips and hashes independently of JSON key order', () => {
    const g = parseGenesis(clone());
    const reordered = Object.fromEntries(Object.entries(clone()).reverse());
    expect(Buffer.from(genesisHash(parseGenesis(reordered))).toString('hex')).toBe(
      Buffer.from(genesisHash(g)).toString('hex'),
    );
    expect(genesisToJson(g)).toEqual(base);
  });

  const cases: [string, (g: ReturnType<typeof clone>) => void, string][] = [
    ['unknown top-level field', (g) => Object.assign(g, { extra: 1 }), 'extra'],
    ['bad chain id', (g) => Object.assign(g, { chain_id: 'Bad Chain' }), 'chain_id'],
    ['time not a decimal string', (g) => Object.assign(g, { genesis_time_ms: 5 }), 'genesis_time_ms'],
    ['authority not bech32', (g) => Object.assign(g, { authority: 'cosmos1xyz' }), 'authority'],
    ['short sequencer key', (g) => Object.assign(g, { sequencer_pub_key: 'abcd' }), 'sequencer_pub_key'],
    ['missing param', (g) => delete (g.params as Record<string, string>).gas_per_tx, 'gas_per_tx'],
    ['unknown param', (g) => Object.assign(g.params, { foo: '1' }), 'params.foo'],
    ['negative param', (g) => Object.assign(g.params, { gas_per_byte: '-1' }), 'gas_per_byte'],
    ['block gas below one tx', (g) => Object.assign(g.params, { block_gas_limit: '10' }), 'blockGasLimit'],
    ['duplicate account', (g) => g.accounts.push({ ...g.accounts[0]! }), 'accounts[3].address'],
    [
      'pubkey of another account',
      (g) => Object.assign(g.accounts[0]!, { pub_key: g.accounts[1]!.pub_key }),
      'accounts[0].pub_key',
    ],
    [
      'fee balance not decimal',
      (g) => Object.assign(g.accounts[0]!, { fee_balance: '1e9' }),
      'accounts[0].fee_balance',
    ],
  ];
  for (const [name, mutate, field] of cases) {
    it(`refuses ${name} naming ${field}`, () => {
      const g = clone();
      mutate(g);
      let err: unknown;
      try {
        parseGenesis(g);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ChainError);
      expect((err as ChainError).code).toBe('GENESIS_INVALID');
      expect((err as ChainError).message).toContain(field);
    });
  }
});

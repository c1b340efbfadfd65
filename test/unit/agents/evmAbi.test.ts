/** The agents' hand-written ABIs agree with `@hyperlane-xyz/core`'s compiled ABIs (selectors and topics). */
import {
  Mailbox__factory,
  MerkleTreeHook__factory,
  StaticMessageIdMultisigIsm__factory,
  ValidatorAnnounce__factory,
} from '@hyperlane-xyz/core';
import { type Abi, type AbiEvent, type AbiFunction, toEventSelector, toFunctionSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  MAILBOX_ABI,
  MERKLE_TREE_HOOK_ABI,
  MULTISIG_ISM_ABI,
  VALIDATOR_ANNOUNCE_ABI,
} from '../../../bridge/agents/index.ts';

function ids(abi: Abi): Set<string> {
  const out = new Set<string>();
  for (const x of abi) {
    if (x.type === 'function')
      out.add(
        `${toFunctionSelector(x as AbiFunction)}:${(x as AbiFunction).outputs.map((o) => o.type).join(',')}`,
      );
    if (x.type === 'event')
      out.add(
        `${toEventSelector(x as AbiEvent)}:${(x as AbiEvent).inputs.map((i) => i.indexed === true).join(',')}`,
      );
  }
  return out;
}

describe('agent ABIs', () => {
  const table: [string, Abi, Abi][] = [
    ['Mailbox', MAILBOX_ABI, Mailbox__factory.abi as unknown as Abi],
    ['MerkleTreeHook', MERKLE_TREE_HOOK_ABI, MerkleTreeHook__factory.abi as unknown as Abi],
    ['ValidatorAnnounce', VALIDATOR_ANNOUNCE_ABI, ValidatorAnnounce__factory.abi as unknown as Abi],
    [
      'StaticMessageIdMultisigIsm',
      MULTISIG_ISM_ABI,
      StaticMessageIdMultisigIsm__factory.abi as unknown as Abi,
    ],
  ];
  for (const [name, ours, real] of table) {
    it(`${name}: every function and event we use exists with the same selector, outputs and indexing`, () => {
      const r = ids(real);
      for (const id of ids(ours)) expect(r.has(id), `${name} ${id}`).toBe(true);
    });
  }
});

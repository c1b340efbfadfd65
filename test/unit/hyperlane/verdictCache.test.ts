/**
 * The CheckTx → STF verdict cache never changes an outcome: a remembered success is used only for
 * the exact same bytes under the very same origin config, the replay check still runs on the state
 * at hand, other metadata for the same message is verified afresh, and a changed config (another
 * validator set) ignores the remembered verdict.
 */
import { describe, expect, it } from 'vitest';
import { addressOfPrivateKey, hexToBytes } from '../../../bridge/index.ts';
import { applyProcessMessage, checkProcessMessage, isChainError, MODULE_TYPE } from '../../../chain/index.ts';
import { bridgeState, ctxAt, FAST_KEYS, fixtureBridge, key, processMsg, simA, USDC_A } from './fixtures.ts';

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (isChainError(e)) return e.code;
    throw e;
  }
};

describe('verdict cache', () => {
  it('is used only for identical bytes and config, and never skips the replay check', async () => {
    const state = await bridgeState();
    const a = simA();
    const d = a.dispatch({
      kind: 'DEPOSIT',
      depositor: `0x${'d1'.repeat(20)}`,
      token: USDC_A,
      amount: 1n,
      depositNonce: 0n,
    });
    const good = a.messageIdMetadata(d, FAST_KEYS.slice(0, 2));
    const bad = good.slice();
    bad[68 + 10]! ^= 1;
    expect(codeOf(() => checkProcessMessage(state, processMsg(d.message, good, 1), { remember: true }))).toBe(
      'OK',
    );
    // Other metadata for the same message: verified afresh, refused.
    expect(codeOf(() => checkProcessMessage(state, processMsg(d.message, bad, 1), { consume: true }))).toBe(
      'BRIDGE_ISM_UNKNOWN_SIGNER',
    );
    // Another config (fast set replaced): the remembered verdict does not apply.
    const other = fixtureBridge();
    other.origins[0]!.fastIsm = {
      moduleType: MODULE_TYPE.MESSAGE_ID_MULTISIG,
      validators: [key(31), key(32), key(33)].map((k) => hexToBytes(addressOfPrivateKey(k))),
      threshold: 2,
    };
    const otherState = await bridgeState(other);
    expect(
      codeOf(() => checkProcessMessage(otherState, processMsg(d.message, good, 1), { consume: true })),
    ).toBe('BRIDGE_ISM_MESSAGE_MISMATCH');
    // Same bytes, same config: delivered once, then the remembered verdict meets the replay check.
    expect(codeOf(() => checkProcessMessage(state, processMsg(d.message, good, 1), { remember: true }))).toBe(
      'OK',
    );
    applyProcessMessage(state, processMsg(d.message, good, 1), ctxAt(2n));
    expect(codeOf(() => checkProcessMessage(state, processMsg(d.message, good, 1), { remember: true }))).toBe(
      'HUB_MESSAGE_REPLAYED',
    );
    expect(codeOf(() => checkProcessMessage(state, processMsg(d.message, good, 1), { consume: true }))).toBe(
      'HUB_MESSAGE_REPLAYED',
    );
  });
});

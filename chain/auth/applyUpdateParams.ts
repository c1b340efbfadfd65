/** MsgUpdateParams: the genesis authority replaces the params after validation. */
import type { StateView } from '../../state/types.ts';
import { type MsgUpdateParams, MsgUpdateParamsResponseCodec } from '../codec/messages.ts';
import { ChainError } from '../errors.ts';
import type { MsgContext, MsgResult } from '../msgs.ts';
import { validateParams, writeParams } from '../params.ts';

export function applyUpdateParams(state: StateView, msg: MsgUpdateParams, ctx: MsgContext): MsgResult {
  if (msg.authority !== ctx.authority) {
    throw new ChainError(
      'PARAMS_UNAUTHORIZED',
      `${msg.authority} is not the params authority ${ctx.authority}`,
    );
  }
  if (msg.params === undefined) throw new ChainError('PARAMS_INVALID', 'params missing');
  validateParams(msg.params);
  writeParams(state, msg.params);
  return {
    events: [
      {
        type: 'unimargin.v1.EventParamsUpdated',
        attributes: [{ key: 'height', value: ctx.height.toString() }],
      },
    ],
    response: MsgUpdateParamsResponseCodec.toBytes({}),
  };
}

/** The RPC's one error type and its mapping to JSON-RPC and HTTP answers. */

/** JSON-RPC 2.0 error codes (CometBFT uses the same). */
export const RPC_CODE = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  serverError: -32000,
} as const;

export class RpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidParams = (data: string) => new RpcError(RPC_CODE.invalidParams, 'Invalid params', data);

/** JSON-RPC error object of any thrown value (internal errors hide their details). */
export function toJsonRpcError(e: unknown): { code: number; message: string; data: string } {
  if (e instanceof RpcError) return { code: e.rpcCode, message: e.message, data: e.data };
  return { code: RPC_CODE.internal, message: 'Internal error', data: 'internal error; see the node log' };
}

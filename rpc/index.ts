/** rpc/: the node's HTTP surface. */

export { RPC_CODE, RpcError } from './errors.ts';
export { LIMITS } from './jsonrpc.ts';
export { answer, createRpcServer, type RpcServerOpts } from './server.ts';

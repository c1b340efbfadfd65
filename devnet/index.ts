/**
 * `devnet/`: the local multi-chain world. Public entry: {@link devnetUp}, {@link devnetDown},
 * {@link devnetScenario}, the CLI helpers, and {@link runDevnetCli} (what `unimargin devnet …`
 * calls with the arguments after `devnet`).
 */
export * from './cli.ts';
export { DEVNET_HELP, runDevnetCli } from './cliMain.ts';
export * from './deploy.ts';
export * from './down.ts';
export * from './errors.ts';
export * from './keys.ts';
export * from './margin.ts';
export * from './marginScenarios.ts';
export * from './processes.ts';
export * from './registry.ts';
export * from './scenarioKit.ts';
export * from './scenarioList.ts';
export * from './scenarios.ts';
export * from './up.ts';
export * from './world.ts';

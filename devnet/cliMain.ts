/**
 * `unimargin devnet …` (what `bin/unimargin.ts` calls with the arguments after `devnet`). Each
 * command loads only the modules it needs, so `devnet up` starts its processes sooner.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DevnetError } from './errors.ts';
import { listScenarios } from './scenarioList.ts';

/** `--help` texts of `unimargin devnet …`. */
export const DEVNET_HELP: Readonly<Record<string, string>> = {
  main: `unimargin devnet <command> — a local three-chain world around a hub

Commands:
  up          start anvil chains (Ethereum-, OP- and Arbitrum-like), Hyperlane core, our contracts,
              the hub, 3 hub validators, fast and final validators per chain, a relayer and an
              oracle feeder; Ctrl-C stops them (npm run devnet)
  down        stop every process a devnet started (by PID, from its pid file)
  deposit     deposit a token into a chain's MarginVault and follow it to final credit
  allowance   reserve free margin for trading on a chain (MsgRequestAllowance → ALLOWANCE)
  open        trade a sample market (perp or option) within the allowance; follow the report
  withdraw    withdraw final collateral from a chain (MsgWithdraw → RELEASE → final ACK)
  account     show an account: hub collateral by chain and stage, wallets, positions
  relay       relay one message by hand (EVM → hub or hub → EVM)
  scenario    play a scenario (deposits, halt, chaos, hedge, crash, reorg)

Run 'unimargin devnet <command> --help' for its options.`,
  up: `unimargin devnet up [--home DIR] [--fresh] [--ports default|auto] [--chaos] [--rebuild-cache] [--log-level L]

  --home DIR        devnet home (default ./.devnet): chains' state, hub data, agents, logs, pid file
  --fresh           wipe the home first (the deployment cache under node_modules/.cache survives)
  --ports P         default: hub 26657, anvils 8545-8547 (a free port where taken); auto: all free ports
  --chaos           also run a racing second relayer with random delays (for 'scenario chaos')
  --rebuild-cache   redeploy the contracts instead of loading the cached anvil state
  --log-level L     pino level of the hub and agents (default warn); logs in <home>/logs/

Without --fresh, a home built from the same cached deployment resumes where it stopped (anvil dumps
its state on exit). Ready prints endpoints, accounts and contract addresses; Ctrl-C or
'unimargin devnet down' stops every process it started, and nothing else.`,
  down: `unimargin devnet down [--home DIR]

  Stops the processes listed in <home>/devnet.pids.json — the supervisor first (it stops its
  children in order), then anything of ours still alive (SIGTERM, then SIGKILL). PIDs whose command
  line no longer carries the devnet home are left alone.`,
  deposit: `unimargin devnet deposit --chain NAME --token SYMBOL --amount N --key-index I [--no-wait] [--home DIR]

  --chain NAME      ethdev, opdev or arbdev
  --token SYMBOL    USDC (6 decimals), WETH (18) or WBTC (8)
  --amount N        whole tokens, decimals allowed (100, 0.5)
  --key-index I     depositor: key I of the test mnemonic (1-7 are traders; the same key is a hub account)
  --no-wait         return once the deposit is in a block (default: follow it to final credit)

  Mints the devnet token to the depositor when short (a faucet), approves the vault, deposits, and
  prints the latencies deposit → provisional credit → final credit on the hub.`,
  allowance: `unimargin devnet allowance --chain NAME --amount-usd N --key-index I [--no-wait] [--home DIR]

  --chain NAME      ethdev, opdev or arbdev
  --amount-usd N    the allowance in USD (sets it; 0 releases it), e.g. 700
  --key-index I     trader: key I of the test mnemonic (its hub account and its own EVM address)
  --no-wait         return once the hub committed it (default: follow it to the chain and its final ACK)

  Sends MsgRequestAllowance: the hub reserves N of the account's free margin (at most 80 % of
  equity − IM; unused, it counts as IM) and sends ALLOWANCE to the chain's PositionAdapter, which
  then lets the EVM address open positions whose standalone margin (10 % of perp notional, 15 % for
  options) stays within it. Prints hub tx → on the adapter → ACK final.`,
  open: `unimargin devnet open --chain NAME --instrument NAME --size N --key-index I [--no-wait] [--home DIR]

  --chain NAME        ethdev, opdev or arbdev
  --instrument NAME   ETH-PERP, BTC-PERP, ETH-C-3500-30D or ETH-P-2500-30D (the sample markets)
  --size N            signed size change in whole units: 2 buys two, -0.5 sells half a unit
  --key-index I       trader (its EVM address holds the position; linked to its hub account)
  --no-wait           return once the trade is mined (default: follow the POSITION report to final)

  Trades at the market's mark price. Adding risk beyond the allowance reverts (AllowanceExceeded;
  checked before sending); reducing risk is always accepted. The hub counts the new position
  provisionally at once (risk early) and as a hedge only once final (relief late).`,
  withdraw: `unimargin devnet withdraw --chain NAME --token SYMBOL --amount N --key-index I [--to 0x…] [--no-wait] [--home DIR]

  --chain NAME      ethdev, opdev or arbdev
  --token SYMBOL    USDC, WETH or WBTC
  --amount N        whole tokens, decimals allowed
  --key-index I     the account withdrawing (key I)
  --to 0x…          recipient on the chain (default: key I's EVM address)
  --no-wait         return once the hub committed it (default: follow it to the final ACK)

  Sends MsgWithdraw: only final collateral, only while withdrawal equity (provisional items and
  unrealised gains left out) stays ≥ IM, prices fresh and the chain not halted. The hub debits it,
  sends RELEASE to the chain's vault and counts it in flight until the vault's ACK is final.
  Prints RELEASE → tokens on chain → ACK → ACK final; a refusal prints the hub's code.`,
  account: `unimargin devnet account (--key-index I | --address umg1…|0x…) [--json] [--home DIR]

  Hub collateral by chain, token and stage (provisional / final), deposits held for an unlinked EVM
  address, wallet balances on every chain, positions mirrored on the hub.`,
  relay: `unimargin devnet relay <message id> [--key-index I] [--home DIR]

  Delivers one message with the validators' signatures, as anyone may: EVM → hub (MsgProcessMessage,
  signed by key I, default 9) or hub → EVM (Mailbox.process, paid by key I). Uses 'unimargin relay'
  (bin/agents.ts) with the devnet's registry, chains and hub validator locations.`,
  scenario: `unimargin devnet scenario <name> [--rounds N] [--opt KEY=VALUE …] [--home DIR] | --list

${listScenarios()
  .map((s) => `  ${s.name.padEnd(9)} ${s.describe}${s.waitsOn ? ` [waits on ${s.waitsOn}]` : ''}`)
  .join('\n')}

  --rounds N          deposits per chain (deposits, chaos; default 3)
  --opt KEY=VALUE     scenario options: key-index (hedge 4, crash 5, reorg 6), chains=long,short
                      (hedge; default ethdev,arbdev), chain (crash, reorg; default opdev), size
                      (perp units, default 2), factor (crash, default 0.75), deposit (USDC)

  Prints a narrative with numbers and latencies, checks conservation per chain and token (Σ hub
  balances + in flight = inflow − outflow, and the hub's view of each vault ≤ its on-chain balance)
  and exits 1 on any violation, 3 when the scenario cannot run on this devnet.`,
};

function bad(field: string, value: unknown, expected: string): never {
  throw new DevnetError(
    'DEVNET_BAD_ARGUMENT',
    `--${field} = ${JSON.stringify(value)}: expected ${expected}`,
    {
      field,
      value: String(value),
    },
  );
}

function intArg(v: unknown, field: string): number {
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) bad(field, v, 'a non-negative integer');
  return Number(v);
}

/**
 * Runs `unimargin devnet <argv…>`. Returns the process exit code (0 ok, 1 violation or failure,
 * 3 scenario unavailable); `up` resolves only after Ctrl-C / SIGTERM or a process exiting.
 */
export async function runDevnetCli(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const printed = (s: string, code = 0) => {
    out(s);
    return code;
  };
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out(DEVNET_HELP.main!);
    return 0;
  }
  const help = DEVNET_HELP[cmd];
  if (help === undefined) {
    out(`unknown devnet command ${JSON.stringify(cmd)}\n\n${DEVNET_HELP.main}`);
    return 2;
  }
  const common = { home: { type: 'string' as const }, help: { type: 'boolean' as const, short: 'h' } };
  try {
    switch (cmd) {
      case 'up': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            fresh: { type: 'boolean' },
            ports: { type: 'string' },
            chaos: { type: 'boolean' },
            'rebuild-cache': { type: 'boolean' },
            'log-level': { type: 'string' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        if (values.ports !== undefined && values.ports !== 'default' && values.ports !== 'auto')
          bad('ports', values.ports, 'default or auto');
        const { devnetUp } = await import('./up.ts');
        const h = await devnetUp({
          ...(values.home === undefined ? {} : { home: values.home }),
          fresh: values.fresh === true,
          ports: (values.ports as 'default' | 'auto' | undefined) ?? 'default',
          rebuildCache: values['rebuild-cache'] === true,
          ...(values['log-level'] === undefined ? {} : { logLevel: values['log-level'] }),
          ...(values.chaos === true ? { chaos: { seed: 7, maxDelayMs: 1500 } } : {}),
        });
        out(h.summary());
        const signal = new Promise<string>((r) => {
          process.once('SIGINT', () => r('SIGINT'));
          process.once('SIGTERM', () => r('SIGTERM'));
        });
        const why = await Promise.race([signal, h.exited.then((e) => `${e.role} exited (code ${e.code})`)]);
        out(`\n${why}: stopping the devnet…`);
        await h.stop();
        out('stopped every devnet process.');
        return why.startsWith('SIG') ? 0 : 1;
      }
      case 'down': {
        const { values } = parseArgs({ args: [...rest], options: common, strict: true });
        if (values.help) return printed(help);
        const { devnetDown } = await import('./down.ts');
        const r = await devnetDown(values.home === undefined ? {} : { home: values.home });
        out(
          `stopped ${r.stopped.length} process(es)${r.skipped.length ? `, ${r.skipped.length} already gone` : ''}`,
        );
        return 0;
      }
      case 'deposit': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            chain: { type: 'string' },
            token: { type: 'string' },
            amount: { type: 'string' },
            'key-index': { type: 'string' },
            'no-wait': { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        const { devnetDeposit } = await import('./cli.ts');
        const r = await devnetDeposit({
          ...(values.home === undefined ? {} : { home: values.home }),
          chain: values.chain ?? bad('chain', undefined, 'a chain name'),
          token: values.token ?? bad('token', undefined, 'a token symbol'),
          amount: values.amount ?? bad('amount', undefined, 'a decimal amount'),
          keyIndex: intArg(values['key-index'] ?? '1', 'key-index'),
          wait: values['no-wait'] !== true,
        });
        return values['no-wait'] === true || r.finalMs !== undefined ? 0 : 1;
      }
      case 'allowance': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            chain: { type: 'string' },
            'amount-usd': { type: 'string' },
            'key-index': { type: 'string' },
            'no-wait': { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        const { devnetAllowance } = await import('./margin.ts');
        const r = await devnetAllowance({
          ...(values.home === undefined ? {} : { home: values.home }),
          chain: values.chain ?? bad('chain', undefined, 'a chain name'),
          amountUsd: values['amount-usd'] ?? bad('amount-usd', undefined, 'a USD amount'),
          keyIndex: intArg(values['key-index'] ?? '1', 'key-index'),
          wait: values['no-wait'] !== true,
        });
        return values['no-wait'] === true || r.onChainMs !== undefined ? 0 : 1;
      }
      case 'open': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            chain: { type: 'string' },
            instrument: { type: 'string' },
            size: { type: 'string' },
            'key-index': { type: 'string' },
            'no-wait': { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        const { devnetOpen } = await import('./margin.ts');
        const r = await devnetOpen({
          ...(values.home === undefined ? {} : { home: values.home }),
          chain: values.chain ?? bad('chain', undefined, 'a chain name'),
          instrument: values.instrument ?? bad('instrument', undefined, 'an instrument name'),
          size: values.size ?? bad('size', undefined, 'a signed decimal size'),
          keyIndex: intArg(values['key-index'] ?? '1', 'key-index'),
          wait: values['no-wait'] !== true,
        });
        return values['no-wait'] === true || r.finalMs !== undefined ? 0 : 1;
      }
      case 'withdraw': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            chain: { type: 'string' },
            token: { type: 'string' },
            amount: { type: 'string' },
            'key-index': { type: 'string' },
            to: { type: 'string' },
            'no-wait': { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        if (values.to !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.to))
          bad('to', values.to, 'a 0x EVM address');
        const { devnetWithdraw } = await import('./margin.ts');
        const r = await devnetWithdraw({
          ...(values.home === undefined ? {} : { home: values.home }),
          chain: values.chain ?? bad('chain', undefined, 'a chain name'),
          token: values.token ?? bad('token', undefined, 'a token symbol'),
          amount: values.amount ?? bad('amount', undefined, 'a decimal amount'),
          keyIndex: intArg(values['key-index'] ?? '1', 'key-index'),
          ...(values.to === undefined ? {} : { recipient: values.to as `0x${string}` }),
          wait: values['no-wait'] !== true,
        });
        return values['no-wait'] === true || r.ackStatus === 'executed' ? 0 : 1;
      }
      case 'account': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            'key-index': { type: 'string' },
            address: { type: 'string' },
            json: { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) return printed(help);
        const { devnetAccount, readWorldFile, renderAccount } = await import('./cli.ts');
        const v = await devnetAccount({
          ...(values.home === undefined ? {} : { home: values.home }),
          ...(values['key-index'] === undefined
            ? {}
            : { keyIndex: intArg(values['key-index'], 'key-index') }),
          ...(values.address === undefined ? {} : { address: values.address }),
        });
        out(
          values.json
            ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)
            : renderAccount(v, readWorldFile(values.home)),
        );
        return 0;
      }
      case 'relay': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: { ...common, 'key-index': { type: 'string' } },
          allowPositionals: true,
          strict: true,
        });
        if (values.help) return printed(help);
        const id = positionals[0];
        if (id === undefined || !/^0x[0-9a-fA-F]{64}$/.test(id))
          bad('message id', id, '0x and 64 hex digits');
        const { readWorldFile } = await import('./cli.ts');
        const { devnetKey, KEY_INDEX } = await import('./keys.ts');
        const w = readWorldFile(values.home);
        const key = devnetKey(
          values['key-index'] === undefined ? KEY_INDEX.relayer : intArg(values['key-index'], 'key-index'),
        );
        const status = (await (
          await fetch(w.agents.statusUrl).catch(() => undefined)
        )
          ?.json()
          .catch(() => undefined)) as
          | { validators: { tier: string; address: string; location: string }[] }
          | undefined;
        const hubValidators = (status?.validators ?? [])
          .filter((v) => v.tier === 'hub')
          .flatMap((v) => ['--hub-validator', `${v.address}=${v.location}`]);
        const { runAgentsCli } = await import('../bin/agents.ts');
        await runAgentsCli([
          'relay',
          id,
          '--registry',
          w.registryDir,
          '--chains',
          w.chains.map((c) => c.name).join(','),
          '--hub-url',
          w.hub.url,
          '--hub-key',
          key,
          '--evm-key',
          key,
          ...hubValidators,
        ]);
        return 0;
      }
      case 'scenario': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: {
            ...common,
            rounds: { type: 'string' },
            list: { type: 'boolean' },
            opt: { type: 'string', multiple: true },
          },
          allowPositionals: true,
          strict: true,
        });
        if (values.help || values.list) return printed(help);
        if (positionals[0] === undefined) return printed(help, 2);
        const options: Record<string, string> = {};
        for (const o of values.opt ?? []) {
          const m = /^([a-z][a-z-]*)=(.+)$/.exec(o);
          if (m === null) bad('opt', o, 'KEY=VALUE (e.g. key-index=4)');
          options[m[1]!] = m[2]!;
        }
        const { devnetScenario } = await import('./scenarios.ts');
        const r = await devnetScenario(positionals[0], {
          ...(values.home === undefined ? {} : { home: resolve(values.home) }),
          ...(values.rounds === undefined ? {} : { rounds: intArg(values.rounds, 'rounds') }),
          options,
        });
        return r.ok ? 0 : 1;
      }
      default:
        out(DEVNET_HELP.main!);
        return 2;
    }
  } catch (e) {
    if (e instanceof DevnetError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.code === 'DEVNET_SCENARIO_UNAVAILABLE' ? 3 : e.code === 'DEVNET_BAD_ARGUMENT' ? 2 : 1;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${e.message}\n\n${help}\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * The devnet's unified-margin CLI: argument parsing of the new commands (sizes and USD amounts
 * into fixed point, checked against values written out by hand), every refusal naming its option,
 * and `unimargin devnet --help` / `<command> --help` listing allowance, open and withdraw.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEVNET_HELP, runDevnetCli } from '../../../devnet/cliMain.ts';
import { DevnetError } from '../../../devnet/errors.ts';
import { sizeToE18, usdToMicro } from '../../../devnet/margin.ts';

describe('sizes and USD amounts', () => {
  it('parses signed sizes into E18 units', () => {
    const cases: [string, bigint][] = [
      ['2', 2_000_000_000_000_000_000n],
      ['-0.5', -500_000_000_000_000_000n],
      ['0.000000000000000001', 1n],
      ['-1.25', -1_250_000_000_000_000_000n],
    ];
    for (const [v, e] of cases) expect(sizeToE18(v), v).toBe(e);
  });
  it('refuses malformed and zero sizes, naming --size', () => {
    for (const v of ['', 'abc', '1e3', '--1', '0', '-0.0', '1.0000000000000000001']) {
      expect(() => sizeToE18(v), v).toThrowError(DevnetError);
      expect(() => sizeToE18(v), v).toThrow(/--size/);
    }
  });
  it('parses USD amounts into µUSD and refuses others', () => {
    expect(usdToMicro('amount-usd', '700')).toBe(700_000_000n);
    expect(usdToMicro('amount-usd', '0.000001')).toBe(1n);
    expect(usdToMicro('amount-usd', '0')).toBe(0n);
    for (const v of ['-1', '1.0000001', 'ten', ''])
      expect(() => usdToMicro('amount-usd', v), v).toThrow(/--amount-usd/);
  });
});

describe('devnet CLI', () => {
  const out: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  const capture = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
  };

  it('lists allowance, open and withdraw with a help text each', async () => {
    capture();
    expect(await runDevnetCli(['--help'])).toBe(0);
    const main = out.join('');
    for (const c of ['allowance', 'open', 'withdraw']) {
      expect(main, c).toMatch(new RegExp(`\\n  ${c} `));
      out.length = 0;
      expect(await runDevnetCli([c, '--help']), c).toBe(0);
      expect(out.join(''), c).toBe(`${DEVNET_HELP[c]}\n`);
      expect(DEVNET_HELP[c], c).toContain(`unimargin devnet ${c} --chain NAME`);
    }
    expect(DEVNET_HELP.scenario).toContain('--opt KEY=VALUE');
  });

  it('refuses bad arguments with exit 2, naming the option', async () => {
    capture();
    const cases: [string[], RegExp][] = [
      [['withdraw', '--chain', 'ethdev', '--token', 'USDC', '--amount', '1', '--to', '0x12'], /--to/],
      [['open', '--chain', 'ethdev', '--size', '1'], /--instrument/],
      [['allowance', '--chain', 'ethdev'], /--amount-usd/],
      [['open', '--bogus'], /bogus/],
      [['scenario', 'hedge', '--opt', 'nokeyvalue'], /--opt/],
    ];
    for (const [argv, re] of cases) {
      out.length = 0;
      expect(await runDevnetCli(argv), argv.join(' ')).toBe(2);
      expect(out.join(''), argv.join(' ')).toMatch(re);
    }
  });
});

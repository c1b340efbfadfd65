/** `runAgentsCli`: help for each command, errors naming the missing or bad option. */
import { describe, expect, it, vi } from 'vitest';
import { AGENTS_HELP, runAgentsCli } from '../../../bin/agents.ts';

describe('runAgentsCli', () => {
  it('prints each command help with its options', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    try {
      for (const cmd of ['validator', 'relayer', 'relay'] as const) {
        out.length = 0;
        await runAgentsCli([cmd, '--help']);
        expect(out.join(''), cmd).toBe(`${AGENTS_HELP[cmd]}\n`);
      }
    } finally {
      spy.mockRestore();
    }
    expect(AGENTS_HELP.validator).toContain('--reorg-period');
    expect(AGENTS_HELP.relayer).toContain('/failures');
    expect(AGENTS_HELP.relay).toContain('<message id>');
  });

  it('refuses bad arguments with a message naming them', async () => {
    await expect(runAgentsCli(['nope'])).rejects.toThrow(/unknown agent command "nope"/);
    await expect(runAgentsCli(['relay', '0x12'])).rejects.toThrow(/message id/);
    await expect(runAgentsCli(['validator', '--origin', 'x'])).rejects.toThrow(/--key is required/);
    await expect(runAgentsCli(['validator', '--key', '0x12', '--origin', 'x'])).rejects.toThrow(
      /--key must be/,
    );
    await expect(runAgentsCli(['relayer', '--lanes', 'sideways'])).rejects.toThrow(/unknown lane sideways/);
  });
});

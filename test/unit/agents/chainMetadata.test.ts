/** Chain metadata in the registry format: accepted shapes, refusals naming the field, registry directory loading. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadAgentChain,
  parseChainAddresses,
  parseChainMetadata,
  reorgPeriodOf,
  restUrlOf,
} from '../../../bridge/agents/index.ts';

const OK = {
  name: 'anvila',
  chainId: 31337,
  domainId: 31337,
  protocol: 'ethereum',
  rpcUrls: [{ http: 'http://127.0.0.1:8545' }],
  blocks: { confirmations: 1, reorgPeriod: 2, estimateBlockTime: 1 },
  displayName: 'Anvil A',
};
const ADDR = {
  mailbox: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  merkleTreeHook: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  validatorAnnounce: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
};
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('chain metadata', () => {
  it('accepts registry metadata and keeps extra fields', () => {
    const m = parseChainMetadata(OK);
    expect(m.displayName).toBe('Anvil A');
    expect(reorgPeriodOf({ metadata: m, addresses: parseChainAddresses(ADDR, 'ethereum') })).toBe(2);
    expect(
      parseChainMetadata({ ...OK, blocks: { confirmations: 1, reorgPeriod: 'finalized' } }).blocks
        ?.reorgPeriod,
    ).toBe('finalized');
  });

  it('refuses bad fields, naming each', () => {
    const table: [string, unknown, RegExp][] = [
      ['name with caps', { ...OK, name: 'Anvil' }, /metadata\.name/],
      ['domain over u32', { ...OK, domainId: 2 ** 32 }, /metadata\.domainId/],
      ['unknown protocol', { ...OK, protocol: 'sealevel' }, /metadata\.protocol/],
      ['no rpc', { ...OK, rpcUrls: [] }, /metadata\.rpcUrls/],
      ['rpc not a url', { ...OK, rpcUrls: [{ http: 'nope' }] }, /rpcUrls\[0\]\.http/],
      ['bad reorg period', { ...OK, blocks: { reorgPeriod: 'latest' } }, /blocks\.reorgPeriod/],
    ];
    for (const [name, raw, re] of table) expect(() => parseChainMetadata(raw), name).toThrow(re);
    expect(() => parseChainAddresses({ ...ADDR, mailbox: '0x12' }, 'ethereum')).toThrow(/addresses\.mailbox/);
    // The hub names 32-byte words.
    expect(() => parseChainAddresses(ADDR, 'cosmos')).toThrow(/32-byte/);
  });

  it('loads chains/<name>/metadata.json + addresses.json from a registry directory', () => {
    const reg = mkdtempSync(join(tmpdir(), 'umg-reg-'));
    dirs.push(reg);
    mkdirSync(join(reg, 'chains', 'anvila'), { recursive: true });
    writeFileSync(join(reg, 'chains', 'anvila', 'metadata.json'), JSON.stringify(OK));
    writeFileSync(join(reg, 'chains', 'anvila', 'addresses.json'), JSON.stringify(ADDR));
    const c = loadAgentChain(reg, 'anvila');
    expect(c.addresses.mailbox).toBe(ADDR.mailbox);
    expect(restUrlOf(c)).toBe('http://127.0.0.1:8545');
    expect(() => loadAgentChain(reg, 'missing')).toThrow(/AGENT_CONFIG_INVALID/);
  });
});

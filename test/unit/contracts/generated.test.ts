/**
 * `contracts-abi/generated/` must be regenerated whenever a Solidity source (or the compiler, or the
 * Hyperlane sources it imports) changes: the source hash recorded at generation must equal the hash
 * of the sources now. Fix a failure with `npx tsx contracts-abi/build.ts`.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractsSourceHash } from '../../../contracts-abi/generated/meta.ts';
import * as contracts from '../../../contracts-abi/index.ts';
import {
  computeSourceHash,
  contractsAbiDir,
  contractsSrcDir,
  listSoliditySources,
} from '../../../contracts-abi/sourceHash.ts';

const generatedDir = join(contractsAbiDir, 'generated');

describe('contracts-abi/generated', () => {
  it('records the hash of the current Solidity sources (else run `npx tsx contracts-abi/build.ts`)', () => {
    expect(contractsSourceHash).toBe(computeSourceHash());
  });

  it('every generated file carries the same source hash in its header', () => {
    const files = readdirSync(generatedDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const m = /^\/\/ sourceHash: ([0-9a-f]{64})$/m.exec(readFileSync(join(generatedDir, f), 'utf8'));
      expect(m?.[1], f).toBe(contractsSourceHash);
    }
  });

  it('the hash changes when a source byte changes, or a source file is added', () => {
    const dir = mkdtempSync(join(tmpdir(), 'umg-src-'));
    try {
      cpSync(contractsSrcDir, dir, { recursive: true });
      expect(computeSourceHash(dir)).toBe(contractsSourceHash);
      const first = listSoliditySources(dir)[0]!;
      const text = readFileSync(join(dir, first), 'utf8');
      writeFileSync(join(dir, first), `${text} `);
      const changed = computeSourceHash(dir);
      expect(changed).not.toBe(contractsSourceHash);
      writeFileSync(join(dir, first), text);
      writeFileSync(join(dir, 'Extra.sol'), '// SPDX-License-Identifier: Apache-2.0\n');
      expect(computeSourceHash(dir)).not.toBe(contractsSourceHash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports an ABI and creation bytecode for every deployable contract', () => {
    for (const name of [
      'marginVault',
      'positionAdapter',
      'samplePerpMarket',
      'sampleOptionMarket',
      'mockERC20',
    ]) {
      const abi = (contracts as Record<string, unknown>)[`${name}Abi`];
      const bytecode = (contracts as Record<string, unknown>)[`${name}Bytecode`];
      expect(Array.isArray(abi) && abi.length > 0, `${name}Abi`).toBe(true);
      expect(typeof bytecode === 'string' && /^0x(?:[0-9a-f]{2})+$/.test(bytecode), `${name}Bytecode`).toBe(
        true,
      );
    }
  });
});

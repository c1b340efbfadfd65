/**
 * The input hash of the Solidity build: what `contracts-abi/build.ts` records in every generated file
 * and what the staleness test recomputes. It covers our sources, the compiler settings, the solc
 * version and the version of `@hyperlane-xyz/core` whose sources (and vendored OpenZeppelin 4.9.3)
 * our contracts import.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Absolute path of `contracts-abi/`. */
export const contractsAbiDir: string = new URL('.', import.meta.url).pathname;
/** Absolute path of the Solidity sources, `contracts-abi/src/`. */
export const contractsSrcDir: string = join(contractsAbiDir, 'src');

/**
 * solc standard-JSON settings used for every build. `cancun` keeps the bytecode valid on any anvil
 * hardfork of the last years; the optimizer keeps contracts under the 24 KiB limit.
 */
export const solcSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const;

/** Lists `contracts-abi/src/**\/*.sol` as paths relative to `src/`, sorted (bytewise). */
export function listSoliditySources(dir: string = contractsSrcDir): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.sol')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Absolute path of the repository's `node_modules/`. */
export const nodeModulesDir: string = join(contractsAbiDir, '..', 'node_modules');

// Read package.json by path: `@hyperlane-xyz/core`'s exports map does not export it.
function packageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(nodeModulesDir, name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * sha256 (hex, no prefix) over: the solc version, the `@hyperlane-xyz/core` version, the settings
 * JSON, then for each source in sorted order its relative path and its bytes (each length-prefixed
 * so that no two inputs collide by concatenation).
 */
export function computeSourceHash(dir: string = contractsSrcDir): string {
  const h = createHash('sha256');
  const put = (s: string | Buffer): void => {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(b.length));
    h.update(len);
    h.update(b);
  };
  put(`solc@${packageVersion('solc')}`);
  put(`@hyperlane-xyz/core@${packageVersion('@hyperlane-xyz/core')}`);
  put(JSON.stringify(solcSettings));
  for (const rel of listSoliditySources(dir)) {
    put(rel);
    put(readFileSync(join(dir, rel)));
  }
  return h.digest('hex');
}

/**
 * Compiles `contracts-abi/src/**\/*.sol` with solc-js and writes typed ABIs and bytecode to
 * `contracts-abi/generated/<Name>.ts` (`export const <name>Abi = [...] as const`,
 * `export const <name>Bytecode = '0x…' as const`), `generated/meta.ts` (the source hash) and
 * `contracts-abi/index.ts` (re-exports).
 *
 * Imports resolve like Hyperlane's own build: `@hyperlane-xyz/core/contracts/…` from
 * `node_modules/@hyperlane-xyz/core/contracts/`, and `@openzeppelin/contracts[-upgradeable]/…` from the
 * OpenZeppelin 4.9.3 sources vendored in `@hyperlane-xyz/core/dependencies/`.
 *
 * Compiler output is cached by source hash under `contracts-abi/.cache/` (gitignored), so a rebuild
 * with unchanged sources only rewrites the generated files.
 *
 * Usage: `npx tsx contracts-abi/build.ts` (build) or `npx tsx contracts-abi/build.ts --check` (exit 1
 * when the committed generated files are stale).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import solc from 'solc';
import {
  computeSourceHash,
  contractsAbiDir,
  contractsSrcDir,
  listSoliditySources,
  nodeModulesDir,
  solcSettings,
} from './sourceHash.ts';

/** One compiled contract as stored in the cache and rendered into `generated/`. */
export type CompiledContract = {
  /** Contract name as in Solidity (`MarginVault`). */
  name: string;
  /** Source unit, relative to `contracts-abi/` (`src/MarginVault.sol`). */
  source: string;
  abi: unknown[];
  /** Creation bytecode, `0x`-prefixed; `0x` for interfaces and abstract contracts. */
  bytecode: `0x${string}`;
};

/** Error class of the contracts build; `code` is prefixed `CONTRACTS_`. */
export class ContractsBuildError extends Error {
  readonly code: string;
  readonly meta: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, meta: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = 'ContractsBuildError';
    this.code = code;
    this.meta = meta;
  }
}

const cacheDir = join(contractsAbiDir, '.cache');
const generatedDir = join(contractsAbiDir, 'generated');
const hyperlaneCoreDir = join(nodeModulesDir, '@hyperlane-xyz', 'core');

/** Maps an import path to a file on disk, or undefined when no remapping applies. */
export function resolveImportPath(path: string): string | undefined {
  const remaps: [string, string][] = [
    ['@hyperlane-xyz/core/contracts/', join(hyperlaneCoreDir, 'contracts')],
    [
      '@openzeppelin/contracts-upgradeable/',
      join(hyperlaneCoreDir, 'dependencies', '@openzeppelin-contracts-upgradeable-4.9.3', 'contracts'),
    ],
    [
      '@openzeppelin/contracts/',
      join(hyperlaneCoreDir, 'dependencies', '@openzeppelin-contracts-4.9.3', 'contracts'),
    ],
    ['src/', contractsSrcDir],
  ];
  for (const [prefix, dir] of remaps) {
    if (path.startsWith(prefix)) {
      const file = normalize(join(dir, path.slice(prefix.length)));
      // a remapped import must stay inside its root
      if (!file.startsWith(dir)) return undefined;
      return file;
    }
  }
  return undefined;
}

type SolcError = { severity: string; formattedMessage: string };
type SolcOutput = {
  errors?: SolcError[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
};

/** Runs solc-js over every source in `src/` and returns its contracts (ours only, not imported ones). */
export function compileSources(): { contracts: CompiledContract[]; warnings: string[] } {
  const sources: Record<string, { content: string }> = {};
  for (const rel of listSoliditySources()) {
    sources[`src/${rel}`] = { content: readFileSync(join(contractsSrcDir, rel), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: solcSettings };
  const findImports = (path: string): { contents: string } | { error: string } => {
    const file = resolveImportPath(path);
    if (file === undefined || !existsSync(file)) return { error: `import not found: ${path}` };
    return { contents: readFileSync(file, 'utf8') };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new ContractsBuildError(
      'CONTRACTS_COMPILE_FAILED',
      `solc ${solc.version()} reported ${errors.length} error(s):\n${errors.map((e) => e.formattedMessage).join('\n')}`,
      { errors: errors.map((e) => e.formattedMessage) },
    );
  }
  const warnings = (output.errors ?? []).filter((e) => e.severity !== 'error').map((e) => e.formattedMessage);
  const contracts: CompiledContract[] = [];
  for (const [source, byName] of Object.entries(output.contracts ?? {})) {
    if (!source.startsWith('src/')) continue;
    for (const [name, c] of Object.entries(byName)) {
      contracts.push({ name, source, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` });
    }
  }
  contracts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { contracts, warnings };
}

/** `MarginVault` → `marginVault`. */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function renderContract(c: CompiledContract, hash: string): string {
  const v = lowerFirst(c.name);
  const lines = [
    `// Generated by contracts-abi/build.ts from ${c.source} — do not edit.`,
    `// sourceHash: ${hash}`,
    '',
    `/** ABI of \`${c.name}\` (${c.source}), compiled by solc-js ${solc.version()}. */`,
    `export const ${v}Abi = ${JSON.stringify(c.abi, null, 2)} as const;`,
  ];
  if (c.bytecode !== '0x') {
    lines.push(
      '',
      `/** Creation bytecode of \`${c.name}\`. */`,
      `export const ${v}Bytecode = '${c.bytecode}' as const;`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Whether a compiled unit is worth exporting: anything with an ABI (skips internal-only libraries). */
function isExported(c: CompiledContract): boolean {
  return c.abi.length > 0;
}

/** Writes `generated/*.ts`, `generated/meta.ts` and `index.ts`; removes generated files no longer produced. */
export function writeGenerated(contracts: readonly CompiledContract[], hash: string): string[] {
  mkdirSync(generatedDir, { recursive: true });
  const exported = contracts.filter(isExported);
  const written = new Set<string>();
  for (const c of exported) {
    const file = `${c.name}.ts`;
    writeFileSync(join(generatedDir, file), renderContract(c, hash));
    written.add(file);
  }
  writeFileSync(
    join(generatedDir, 'meta.ts'),
    [
      '// Generated by contracts-abi/build.ts — do not edit.',
      `// sourceHash: ${hash}`,
      '',
      '/** sha256 of the Solidity inputs these files were generated from (see `contracts-abi/sourceHash.ts`). */',
      `export const contractsSourceHash = '${hash}' as const;`,
      '',
      `/** The solc version that compiled them. */`,
      `export const contractsSolcVersion = '${solc.version()}' as const;`,
      '',
    ].join('\n'),
  );
  written.add('meta.ts');
  for (const f of readdirSync(generatedDir)) {
    if (f.endsWith('.ts') && !written.has(f)) rmSync(join(generatedDir, f));
  }
  const index = [
    '/**',
    ' * Typed ABIs (`as const`) and creation bytecode of the EVM side, generated by `contracts-abi/build.ts`',
    ' * from `contracts-abi/src/`. Regenerate with `npx tsx contracts-abi/build.ts`; never edit by hand.',
    ' */',
    ...[...written].sort().map((f) => `export * from './generated/${f}';`),
    '',
  ].join('\n');
  writeFileSync(join(contractsAbiDir, 'index.ts'), index);
  return [...written].sort().map((f) => join(generatedDir, f));
}

/**
 * Builds the contracts: compiles (or reads the cache for this source hash) and writes the generated
 * files, formatted by biome. Returns the hash and the contracts.
 */
export function buildContracts(opts: { log?: (line: string) => void } = {}): {
  hash: string;
  contracts: CompiledContract[];
  cached: boolean;
} {
  const log = opts.log ?? (() => {});
  const hash = computeSourceHash();
  const cacheFile = join(cacheDir, `${hash}.json`);
  let contracts: CompiledContract[];
  let cached = false;
  if (existsSync(cacheFile)) {
    contracts = JSON.parse(readFileSync(cacheFile, 'utf8')) as CompiledContract[];
    cached = true;
    log(`contracts: cache hit ${hash.slice(0, 12)}`);
  } else {
    const t0 = performance.now();
    const res = compileSources();
    contracts = res.contracts;
    for (const w of res.warnings) log(w);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(contracts));
    log(`contracts: compiled ${contracts.length} units in ${Math.round(performance.now() - t0)} ms`);
  }
  const files = writeGenerated(contracts, hash);
  const biome = join(nodeModulesDir, '.bin', 'biome');
  const r = spawnSync(biome, ['format', '--write', ...files, join(contractsAbiDir, 'index.ts')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new ContractsBuildError('CONTRACTS_FORMAT_FAILED', `biome format failed: ${r.stderr}`, {
      status: r.status,
    });
  }
  return { hash, contracts, cached };
}

/** Reads the source hash recorded in `generated/meta.ts`, or undefined when absent. */
export function readRecordedHash(): string | undefined {
  const meta = join(generatedDir, 'meta.ts');
  if (!existsSync(meta)) return undefined;
  return /^\/\/ sourceHash: ([0-9a-f]{64})$/m.exec(readFileSync(meta, 'utf8'))?.[1];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--check')) {
    const want = computeSourceHash();
    const got = readRecordedHash();
    if (want !== got) {
      process.stderr.write(`contracts-abi/generated is stale: recorded ${got}, sources ${want}\n`);
      process.exit(1);
    }
    process.stdout.write(`contracts-abi/generated is up to date (${want.slice(0, 12)})\n`);
  } else {
    const res = buildContracts({ log: (l) => process.stdout.write(`${l}\n`) });
    process.stdout.write(
      `contracts: wrote ${res.contracts.filter(isExported).length} files (${res.hash.slice(0, 12)})\n`,
    );
  }
}

/**
 * The node's home directory: `config/genesis.json`, `config/sequencer_key.json` (ed25519), and
 * `data/` (LevelDB). `unimargin init` writes the devnet genesis whose accounts are the first
 * ten keys of the standard test mnemonic at m/44'/60'/0'/0/i — the keys anvil funds.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnemonicToAccount } from 'viem/accounts';
import type { Genesis } from '../codec/messages.ts';
import { bech32FromPubKey, secp, toHex } from '../crypto.ts';
import { genesisToJson, parseGenesis } from '../genesis.ts';
import { DEFAULT_PARAMS } from '../params.ts';

/** The standard test mnemonic (Hardhat/anvil). */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEVNET_CHAIN_ID = 'unimargin-devnet-1';

/** Private key (32 bytes) of the test mnemonic's key i at m/44'/60'/0'/0/i. */
export function devnetPrivateKey(i: number): Uint8Array {
  const acct = mnemonicToAccount(TEST_MNEMONIC, { addressIndex: i });
  const pk = acct.getHdKey().privateKey;
  if (pk === null) throw new Error(`no private key at index ${i}`);
  return pk;
}

export interface HomePaths {
  home: string;
  genesis: string;
  sequencerKey: string;
  data: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    genesis: join(home, 'config', 'genesis.json'),
    sequencerKey: join(home, 'config', 'sequencer_key.json'),
    data: join(home, 'data'),
  };
}

/** An ed25519 signing key of the sequencer with its raw 32-byte public key. */
export interface SequencerKey {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

function rawEd25519Public(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

export function generateSequencerKey(): SequencerKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawEd25519Public(privateKey) };
}

export function loadSequencerKey(path: string): SequencerKey {
  const j = JSON.parse(readFileSync(path, 'utf8')) as { type: string; private_key_pkcs8: string };
  if (j.type !== 'ed25519') throw new Error(`${path}: key type ${j.type} is not ed25519`);
  const privateKey = createPrivateKey({
    key: Buffer.from(j.private_key_pkcs8, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: rawEd25519Public(privateKey) };
}

function writeSequencerKey(path: string, key: SequencerKey): void {
  const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  writeFileSync(
    path,
    `${JSON.stringify({ type: 'ed25519', public_key: toHex(key.publicKey), private_key_pkcs8: der.toString('hex') }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

export interface InitOpts {
  home: string;
  chainId?: string;
  accounts?: number;
  genesisTimeMs?: bigint;
  overwrite?: boolean;
}

/** Builds the devnet genesis (no I/O besides key derivation). */
export function devnetGenesis(
  sequencerPubKey: Uint8Array,
  opts: { chainId?: string; accounts?: number; genesisTimeMs: bigint },
): Genesis {
  const accounts = Array.from({ length: opts.accounts ?? 10 }, (_, i) => {
    const pub = secp.publicKeyCreate(devnetPrivateKey(i), true);
    return { address: bech32FromPubKey(pub), pubKey: pub, feeBalance: '1000000000000' };
  });
  return {
    chainId: opts.chainId ?? DEVNET_CHAIN_ID,
    genesisTimeMs: opts.genesisTimeMs,
    authority: accounts[0]!.address,
    sequencerPubKey: sequencerPubKey,
    params: { ...DEFAULT_PARAMS },
    accounts,
  };
}

/** `unimargin init`: writes genesis.json and the sequencer key under `home`. */
export function initHome(opts: InitOpts): { genesis: Genesis; paths: HomePaths } {
  const paths = homePaths(opts.home);
  if (existsSync(paths.genesis) && opts.overwrite !== true) {
    throw new Error(`${paths.genesis} exists; pass --overwrite to replace it (this discards the chain)`);
  }
  mkdirSync(join(opts.home, 'config'), { recursive: true });
  const key = generateSequencerKey();
  const genesis = devnetGenesis(key.publicKey, {
    ...(opts.chainId !== undefined ? { chainId: opts.chainId } : {}),
    ...(opts.accounts !== undefined ? { accounts: opts.accounts } : {}),
    genesisTimeMs: opts.genesisTimeMs ?? BigInt(Date.now()),
  });
  writeFileSync(paths.genesis, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`);
  writeSequencerKey(paths.sequencerKey, key);
  return { genesis, paths };
}

/** Reads and validates genesis.json. */
export function loadGenesis(path: string): Genesis {
  return parseGenesis(JSON.parse(readFileSync(path, 'utf8')));
}

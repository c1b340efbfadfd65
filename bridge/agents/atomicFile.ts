/**
 * Durable small files: write to a temporary sibling, fsync it, rename over the target, fsync the
 * directory. A crash leaves either the old or the new content, never a torn file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentError } from './errors.ts';

let tmpCounter = 0;

/** Writes `data` to `path` atomically and durably (creates the directory if needed). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // The rename is durable only once the directory entry is on disk.
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Writes `value` as pretty JSON atomically (see {@link writeFileAtomic}). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and parses a JSON file; `undefined` when it does not exist; `AGENT_FILE_INVALID` when malformed. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentError(
      'AGENT_FILE_INVALID',
      `cannot read ${path}: ${(e as Error).message}`,
      { field: path },
      {
        cause: e,
      },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AgentError('AGENT_FILE_INVALID', `${path} is not valid JSON: ${(e as Error).message}`, {
      field: path,
    });
  }
}

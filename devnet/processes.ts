/**
 * The devnet's processes, tracked by PID in a pid file under the devnet home, and stopped by PID —
 * never by name. Before signalling a PID read from the file, its command line (`/proc/<pid>/cmdline`
 * on Linux) must still contain the marker recorded at spawn (the devnet home path), so a PID reused
 * by an unrelated process since is left alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process the devnet started. */
export interface TrackedProcess {
  /** What it is: `anvil:ethdev`, `hub`, `agents`, `oracle`, `supervisor`. */
  readonly role: string;
  readonly pid: number;
  /** A string its command line contains (the devnet home), checked before any signal. */
  readonly marker: string;
  /** Command and arguments, for people reading the pid file. */
  readonly command: string;
  readonly startedAtMs: number;
  /** Its log file, if any. */
  readonly log?: string;
}

/** The pid file: `<home>/devnet.pids.json`. */
export interface PidFile {
  readonly home: string;
  readonly processes: readonly TrackedProcess[];
}

/** Path of the pid file of a devnet home. */
export function pidFilePath(home: string): string {
  return join(home, 'devnet.pids.json');
}

/** Reads the pid file; undefined when absent or unreadable. */
export function readPidFile(home: string): PidFile | undefined {
  const p = pidFilePath(home);
  if (!existsSync(p)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(p, 'utf8')) as PidFile;
    return Array.isArray(raw.processes) ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the pid file atomically (write a temp file, rename). */
export function writePidFile(home: string, processes: readonly TrackedProcess[]): void {
  const p = pidFilePath(home);
  writeFileSync(`${p}.tmp`, `${JSON.stringify({ home, processes }, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}

/** Removes the pid file. */
export function removePidFile(home: string): void {
  rmSync(pidFilePath(home), { force: true });
}

/** True when a process with this PID exists (signal 0; EPERM means it exists but is not ours to signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * True when `p` is alive and is still the process we started: its command line contains the
 * marker. Without `/proc` (not Linux) only liveness is checked.
 */
export function isOurs(p: TrackedProcess): boolean {
  if (!isAlive(p.pid)) return false;
  const cmd = cmdlineOf(p.pid);
  if (cmd === undefined) return !existsSync('/proc');
  return cmd.includes(p.marker);
}

/**
 * Stops one tracked process: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone.
 * Does nothing (returns false) when the PID is not ours any more.
 */
export async function stopTracked(p: TrackedProcess, graceMs = 5000): Promise<boolean> {
  if (!isOurs(p)) return false;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(p.pid)) {
    if (Date.now() > deadline) {
      try {
        if (isOurs(p)) process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone in between
      }
      const hard = Date.now() + 2000;
      while (isAlive(p.pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 25));
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Options of {@link spawnTracked}. */
export interface SpawnTrackedOpts {
  readonly role: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly marker: string;
  /** stdout and stderr are appended here. */
  readonly logPath: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Spawns a child in its own process group (`detached`), so a Ctrl-C in the terminal reaches only
 * the supervisor, which then stops the children in order. Output goes to `logPath`.
 */
export function spawnTracked(opts: SpawnTrackedOpts): { child: ChildProcess; record: TrackedProcess } {
  if (!opts.args.some((a) => a.includes(opts.marker)) && !opts.command.includes(opts.marker)) {
    throw new Error(`spawnTracked(${opts.role}): the marker must appear in the command line`);
  }
  const fd = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not spawn ${opts.role}: ${opts.command}`);
  return {
    child,
    record: {
      role: opts.role,
      pid: child.pid,
      marker: opts.marker,
      command: [opts.command, ...opts.args].join(' '),
      startedAtMs: Date.now(),
      log: opts.logPath,
    },
  };
}

/**
 * `unimargin devnet down`: stops every process listed in the home's pid file, by PID, and nothing
 * else. A running supervisor (`devnet up` in another terminal) is asked first (SIGTERM), so it stops
 * its children in order and the chains dump their state; whatever is still ours afterwards is
 * stopped directly (SIGTERM, then SIGKILL). A PID whose command line no longer carries the devnet's
 * marker belongs to someone else now and is left alone.
 */
import { resolve } from 'node:path';
import {
  isAlive,
  isOurs,
  readPidFile,
  removePidFile,
  stopTracked,
  type TrackedProcess,
} from './processes.ts';
import { defaultDevnetHome } from './up.ts';

/** Options of {@link devnetDown}. */
export interface DevnetDownOpts {
  /** Devnet home (default `./.devnet`). */
  readonly home?: string;
  /** Lines of output (default stdout). */
  readonly print?: (line: string) => void;
  /** How long the supervisor gets to stop its children, ms (default 20 000). */
  readonly supervisorGraceMs?: number;
}

/** What {@link devnetDown} did. */
export interface DevnetDownResult {
  /** Processes stopped (by this call or by the supervisor it signalled). */
  readonly stopped: readonly TrackedProcess[];
  /** Listed processes already gone or no longer ours. */
  readonly skipped: readonly TrackedProcess[];
}

/** Stops the devnet of `home`. Without a pid file it does nothing and says so. */
export async function devnetDown(opts: DevnetDownOpts = {}): Promise<DevnetDownResult> {
  const home = resolve(opts.home ?? defaultDevnetHome());
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const file = readPidFile(home);
  if (file === undefined) {
    print(`no devnet pid file in ${home}; nothing to stop`);
    return { stopped: [], skipped: [] };
  }
  const stopped: TrackedProcess[] = [];
  const skipped: TrackedProcess[] = [];
  const supervisor = file.processes.find((p) => p.role === 'supervisor');
  const children = file.processes.filter((p) => p.role !== 'supervisor');
  // The supervisor's command line names `devnet` (the CLI) — never signal ourselves.
  if (
    supervisor !== undefined &&
    supervisor.pid !== process.pid &&
    isOurs({ ...supervisor, marker: 'devnet' })
  ) {
    process.kill(supervisor.pid, 'SIGTERM');
    const end = Date.now() + (opts.supervisorGraceMs ?? 20_000);
    while (isAlive(supervisor.pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    stopped.push(supervisor);
    print(`stopped supervisor pid ${supervisor.pid}`);
  }
  // Children first in reverse start order, chains last (they dump their state on SIGTERM).
  const order = [
    ...[...children].reverse().filter((p) => !p.role.startsWith('anvil:')),
    ...children.filter((p) => p.role.startsWith('anvil:')),
  ];
  for (const p of order) {
    if (await stopTracked(p)) {
      stopped.push(p);
      print(`stopped ${p.role} pid ${p.pid}`);
    } else {
      // Stopped by the supervisor just now, or gone before.
      if (supervisor !== undefined && stopped.includes(supervisor)) stopped.push(p);
      else skipped.push(p);
    }
  }
  removePidFile(home);
  return { stopped, skipped };
}

/**
 * Crash-injection for tests: `UNIMARGIN_FAULT=<point>:<n>` SIGKILLs the process the n-th time
 * execution reaches `point` (node points: afterApply, afterCommit; store points: beforeWrite,
 * afterWrite around the LevelDB batch). Unset, the hook is a no-op.
 */
export function faultHookFromEnv(spec = process.env.UNIMARGIN_FAULT): ((point: string) => void) | undefined {
  if (spec === undefined || spec === '') return undefined;
  const [target, nStr] = spec.split(':');
  const n = Number(nStr ?? '1');
  let seen = 0;
  return (point: string) => {
    if (point !== target) return;
    seen++;
    if (seen === n) process.kill(process.pid, 'SIGKILL');
  };
}

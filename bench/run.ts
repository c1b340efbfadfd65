/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process, one after another (the machine
 * has two cores; parallel benches would measure each other), and rebuilds `bench/RESULTS.md` from the
 * sections they write to `bench/results/<name>.md`.
 *
 * Usage: `npm run bench` (all) or `npm run bench -- risk state` (names without `.bench.ts`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const resultsDir = join(dir, 'results');
mkdirSync(resultsDir, { recursive: true });

const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

let failed = false;
for (const name of benches) {
  process.stdout.write(`\n=== bench ${name} ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.bench.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULTS: join(resultsDir, `${name}.md`) },
  });
  if (r.status !== 0) {
    failed = true;
    process.stdout.write(`bench ${name} failed with status ${r.status}\n`);
  }
}

const sections = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => readFileSync(join(resultsDir, f), 'utf8').trim());
const header = [
  '# Benchmark results',
  '',
  'Produced by `npm run bench` (each section by `bench/<name>.bench.ts`). Every figure stands beside a',
  'baseline measured in the same run on the same machine: the ratio is the claim, the absolute numbers',
  'show the machine. Machines are shared and noisy; rerun before drawing conclusions from small gaps.',
  '',
].join('\n');
writeFileSync(join(dir, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
if (!existsSync(join(dir, 'RESULTS.md'))) failed = true;
process.exit(failed ? 1 : 0);

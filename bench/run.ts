// `npm run bench [-- --smoke] [-- --only e2e,recovery] [-- --profile <dir>]`: runs the benchmarks and, for a full
// run of all of them, rewrites docs/benchmarks.md with the figures.
//   --smoke    tiny sizes (bench/sizes.ts): checks that everything still works, writes nothing.
//   --only     a comma-separated subset of decode, sink, memory, e2e, recovery; writes nothing.
//   --profile  writes a V8 CPU profile of the e2e benchmark's worker process into <dir>.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { startPostgres, type PostgresServer } from '../src/devtools/postgres-server.js';
import { startTemporalDevServer, type TemporalDevServer } from '../src/devtools/temporal-server.js';
import { benchDecode } from './decode.js';
import { benchE2e } from './e2e.js';
import { type BenchResult, formatResult, formatTarget } from './measure.js';
import { benchBigTransaction, benchSlowConsumer } from './memory.js';
import { benchRecovery } from './recovery.js';
import { benchSink } from './sink.js';
import { FULL, SMOKE } from './sizes.js';

const ALL = ['decode', 'sink', 'memory', 'e2e', 'recovery'] as const;
type Bench = (typeof ALL)[number];

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'string' },
  },
});
const only = args.only === undefined ? [...ALL] : args.only.split(',').map((s) => s.trim());
for (const name of only) {
  if (!(ALL as readonly string[]).includes(name))
    throw new Error(`unknown benchmark ${name}; known: ${ALL.join(', ')}`);
}
const selected = (name: Bench) => only.includes(name);
const sizes = args.smoke ? SMOKE : FULL;
const writeDoc = !args.smoke && args.only === undefined;

const loadAtStart = os.loadavg()[0] ?? 0;
const started = Date.now();
const results: BenchResult[] = [];
const report = (r: BenchResult) => {
  results.push(r);
  const target = r.target === undefined ? '' : `; target ${formatTarget(r)}`;
  process.stdout.write(`# ${r.detail}; baseline ${r.baseline}${target}\n${formatResult(r)}\n`);
};

if (selected('decode')) report(await benchDecode(sizes.decodeTransactions));

// One throw-away PostgreSQL cluster on loopback for everything that writes (each trial gets a database of its
// own), and one Temporal dev server for the benchmarks that run a worker.
const needsPostgres = selected('sink') || selected('memory') || selected('e2e') || selected('recovery');
const needsTemporal = selected('e2e') || selected('recovery');
const [postgresStart, temporalStart] = await Promise.allSettled([
  needsPostgres ? startPostgres() : Promise.resolve(undefined),
  needsTemporal
    ? startTemporalDevServer({ searchAttributes: { VStreamId: 'Keyword' } })
    : Promise.resolve(undefined),
]);
const postgres: PostgresServer | undefined =
  postgresStart.status === 'fulfilled' ? postgresStart.value : undefined;
const temporal: TemporalDevServer | undefined =
  temporalStart.status === 'fulfilled' ? temporalStart.value : undefined;
try {
  if (postgresStart.status === 'rejected') throw postgresStart.reason;
  if (temporalStart.status === 'rejected') throw temporalStart.reason;
  if (postgres && selected('sink')) (await benchSink(postgres, sizes.sink)).forEach(report);
  if (postgres && selected('memory')) {
    report(await benchBigTransaction(postgres, sizes.bigTransactionRows));
    report(await benchSlowConsumer(sizes.slowConsumer));
  }
  if (postgres && temporal && selected('e2e')) {
    (await benchE2e(postgres, temporal, { ...sizes.e2e, profileDir: args.profile })).forEach(report);
  }
  if (postgres && temporal && selected('recovery'))
    report(await benchRecovery(postgres, temporal, sizes.recovery));
} finally {
  await Promise.all([postgres?.stop(), temporal?.stop()]);
}

if (writeDoc) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], {
    encoding: 'utf8',
  }).trim();
  const minutes = (Date.now() - started) / 60_000;
  const doc = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Every figure is printed next to a baseline measured in the same run, because',
    'absolute numbers on shared machines are noisy; the ratio is the figure to compare across machines. Memory,',
    'latency and recovery figures are the other way round (lower is better). The target column holds the goals of',
    'issue #9 and whether this run met them. `npm run bench -- --smoke` runs everything with tiny sizes (as',
    '`test/integration/bench-smoke.test.ts` does), `--only e2e,recovery` a subset, and `--profile <dir>` writes a',
    "CPU profile of the e2e benchmark's worker process.",
    '',
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
      `commit ${commit}${dirty ? ' with uncommitted changes' : ''}, load average ${loadAtStart.toFixed(1)} at start ` +
      `and ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end (${minutes.toFixed(0)} minutes).`,
    '',
    '```',
    ...results.map(formatResult),
    '```',
    '',
    '| benchmark | what | baseline | target |',
    '| --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.detail} | ${r.baseline} | ${formatTarget(r) || '–'} |`),
    '',
    // Hand-written notes (method, profiles, what changed), kept with the benchmarks.
    fs.readFileSync(new URL('./notes.md', import.meta.url), 'utf8').trimEnd(),
    '',
  ].join('\n');
  // Formatted as `npm run lint` expects it (prettier aligns the table).
  const file = new URL('../docs/benchmarks.md', import.meta.url);
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(doc, { ...options, parser: 'markdown' }));
}

// `npm run bench [-- --smoke]`: runs the benchmarks and rewrites docs/benchmarks.md with the figures.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { startPostgres } from '../src/devtools/postgres-server.js';
import { benchDecode } from './decode.js';
import { type BenchResult, formatResult, formatTarget } from './measure.js';
import { benchBigTransaction, benchSlowConsumer } from './memory.js';
import { benchSink } from './sink.js';

const smoke = process.argv.includes('--smoke');
const loadAtStart = os.loadavg()[0] ?? 0;
const results: BenchResult[] = [];
const report = (r: BenchResult) => {
  results.push(r);
  const target = r.target === undefined ? '' : `; target ${formatTarget(r)}`;
  process.stdout.write(`# ${r.detail}; baseline ${r.baseline}${target}\n${formatResult(r)}\n`);
};

report(await benchDecode(smoke ? 20 : 2_000));
// One throw-away PostgreSQL cluster on loopback for the sink benchmarks; each trial gets a database of its own.
const postgres = await startPostgres();
try {
  const sink = await benchSink(
    postgres,
    smoke ? { rows: 300, runs: 1, warmupRows: 100 } : { rows: 200_000, runs: 3, warmupRows: 5_000 },
  );
  sink.forEach(report);
  report(await benchBigTransaction(postgres, smoke ? 5_000 : 1_000_000));
} finally {
  await postgres.stop();
}
report(
  await benchSlowConsumer(
    smoke
      ? { backlog: 2_000, calibrateMs: 300, durationMs: 2_000, maxBufferedBytes: 256 * 1024 }
      : { backlog: 60_000, calibrateMs: 2_000, durationMs: 20_000, maxBufferedBytes: 256 * 1024 },
  ),
);

if (!smoke) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const doc = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Every figure is printed next to a baseline measured in the same run, because',
    'absolute numbers on shared machines are noisy; the ratio is the figure to compare across machines. Memory',
    'figures are the other way round (lower is better): their ratio is RSS against the same process earlier on.',
    'The target column holds the goals of issue #9 and whether this run met them.',
    '',
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, commit ${commit}, load average ${loadAtStart.toFixed(1)} at start.`,
    '',
    '```',
    ...results.map(formatResult),
    '```',
    '',
    '| benchmark | what | baseline | target |',
    '| --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.detail} | ${r.baseline} | ${formatTarget(r) || '–'} |`),
    '',
  ].join('\n');
  fs.writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc);
}

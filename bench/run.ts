// `npm run bench [-- --smoke]`: runs the benchmarks and rewrites docs/benchmarks.md with the figures.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { benchDecode } from './decode.js';
import { type BenchResult, formatResult } from './measure.js';

const smoke = process.argv.includes('--smoke');
const results: BenchResult[] = [];
results.push(await benchDecode(smoke ? 20 : 2_000));
for (const r of results) {
  process.stdout.write(`# ${r.detail}; baseline ${r.baseline}\n${formatResult(r)}\n`);
}

if (!smoke) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const doc = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Every figure is printed next to a baseline measured in the same run, because',
    'absolute numbers on shared machines are noisy; the ratio is the figure to compare across machines.',
    '',
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, commit ${commit}.`,
    '',
    '```',
    ...results.map(formatResult),
    '```',
    '',
    '| benchmark | what | baseline |',
    '| --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.detail} | ${r.baseline} |`),
    '',
  ].join('\n');
  fs.writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc);
}

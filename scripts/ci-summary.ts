// Prints vitest's JSON results (written when CI is set) as one plain line that any CI log reader understands.
import fs from 'node:fs';

const file = process.argv[2] ?? '.cache/vitest-results.json';
const results = JSON.parse(fs.readFileSync(file, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
const skipped = results.numPendingTests + results.numTodoTests;
process.stdout.write(
  `vitest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
);

// Prints vitest's JSON results (written when CI is set) as one plain line that any CI log reader understands.
// Several result files (e.g. `npm test` and the Vitess conformance lane) are added up into that one line.
import fs from 'node:fs';

interface Results {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const files = process.argv.length > 2 ? process.argv.slice(2) : ['.cache/vitest-results.json'];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of files) {
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  total.passed += results.numPassedTests;
  total.failed += results.numFailedTests;
  total.skipped += results.numPendingTests + results.numTodoTests;
}
process.stdout.write(`vitest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);

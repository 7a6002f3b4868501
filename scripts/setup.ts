// `npm run setup`: provisions the tools the tests and the local stack need (idempotent, fast when cached).
import { ensurePostgresBinDir, ensureTemporalCli } from '../src/devtools/tools.js';

process.stdout.write(`temporal CLI   ${ensureTemporalCli()}\n`);
process.stdout.write(`postgres bin   ${ensurePostgresBinDir()}\n`);

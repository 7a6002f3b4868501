// `npm run setup`: provisions the tools the tests and the local stack need (idempotent, fast when cached).
import { ensureChromium } from '../src/devtools/chromium.js';
import { ensureComposeConfig } from '../src/devtools/compose-config.js';
import { ensurePostgresBinDir, ensureTemporalCli } from '../src/devtools/tools.js';

process.stdout.write(`temporal CLI   ${ensureTemporalCli()}\n`);
process.stdout.write(`postgres bin   ${ensurePostgresBinDir()}\n`);
process.stdout.write(`chromium       ${ensureChromium()}\n`);
process.stdout.write(`compose-config ${ensureComposeConfig()}\n`);

// Process entry of `vstream-relay` (bin/vstream-relay.js loads it through tsx).
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

// A real Vitess on this machine, for trying the product against it by hand (the conformance lane starts its
// own throw-away one):
//
//   npx tsx scripts/vitess/vitess.ts start    # build/find the binaries, start vttestserver, wait until serving
//   npx tsx scripts/vitess/vitess.ts status   # ports and version, exit 1 when not running
//   npx tsx scripts/vitess/vitess.ts stop     # stop it and everything it started (always safe to run)
//   npx tsx scripts/vitess/vitess.ts reset    # stop, then delete the data folder
//
// The data folder (MariaDB data, binlogs, vschema, logs) is `$VSTREAM_RELAY_VITESS_DATA` or
// /var/tmp/vstream-relay-vitess and survives restarts; `--port P` picks the base port (default 15000:
// HTTP 15000, gRPC/VStream 15001, mysqld 15002, vtgate MySQL 15003).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureVitess, findCachedVitess } from './binaries.js';
import { probeVitess, readState, startVitess, stopDetachedVitess } from './server.js';

const DEFAULT_DATA_DIR = '/var/tmp/vstream-relay-vitess';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '15000' }, 'data-dir': { type: 'string' } },
  });
  const dataDir = values['data-dir'] ?? process.env.VSTREAM_RELAY_VITESS_DATA ?? DEFAULT_DATA_DIR;
  const command = positionals[0] ?? 'status';
  switch (command) {
    case 'start': {
      const running = readState(dataDir);
      if (running) {
        process.stdout.write(`already running: ${JSON.stringify(running)}\n`);
        return 0;
      }
      // `$VITESS_VERSION` picks a cached version; otherwise the first cached one, or a build.
      const binaries =
        findCachedVitess() ??
        ensureVitess(process.env.VITESS_VERSION ? [process.env.VITESS_VERSION] : undefined);
      const server = await startVitess({ dataDir, basePort: Number(values.port), binaries, detach: true });
      process.stdout.write(
        `Vitess ${server.version} is serving (pid ${server.pid()}, data ${dataDir}):\n` +
          `  VStream gRPC   ${server.grpcAddress}\n` +
          `  MySQL (vtgate) mysql -h 127.0.0.1 -P ${server.mysqlPort} -u root   (keyspaces commerce, customer)\n` +
          `  status page    http://127.0.0.1:${server.httpPort}/debug/status\n` +
          `  log            ${server.logFile}\n`,
      );
      return 0;
    }
    case 'status': {
      const state = readState(dataDir);
      if (!state) {
        process.stdout.write(`not running (data folder ${dataDir})\n`);
        return 1;
      }
      try {
        await probeVitess(state.mysqlPort);
        process.stdout.write(`serving: ${JSON.stringify(state)}\n`);
        return 0;
      } catch (err) {
        process.stdout.write(
          `running but not serving (${(err as Error).message}): ${JSON.stringify(state)}\n`,
        );
        return 1;
      }
    }
    case 'stop': {
      const stopped = await stopDetachedVitess(dataDir);
      process.stdout.write(stopped ? 'stopped\n' : 'was not running (cleaned up leftovers)\n');
      return 0;
    }
    case 'reset': {
      await stopDetachedVitess(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.stdout.write(`removed ${dataDir}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}: use start, status, stop or reset\n`);
      return 2;
  }
}

process.exitCode = await main();

// The command line: commander definitions turned into one plain ParsedCommand, so that parsing is tested
// without Temporal, and running is tested without parsing.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import fs from 'node:fs';
import { streamConfigSchema } from '../config/stream-config.js';
import { EXIT_OK, EXIT_USAGE } from './errors.js';
import type { CliIo } from './io.js';
import type { TemporalFlags } from './settings.js';

interface Common {
  /** --address / --namespace (and --task-queue where the command has it). */
  temporal: TemporalFlags;
}

export type ParsedCommand = Common &
  (
    | { name: 'start'; file: string; json: boolean }
    | { name: 'pause'; streamId: string; reason?: string; wait: boolean; json: boolean }
    | { name: 'resume'; streamId: string; resnapshot: boolean; json: boolean }
    | { name: 'resync'; streamId: string; table: string; json: boolean }
    | { name: 'stop'; streamId: string; wait: boolean; json: boolean }
    | { name: 'status'; streamId: string; json: boolean; timeoutMs: number }
    | { name: 'list'; all: boolean; json: boolean; timeoutMs: number }
    | { name: 'worker' }
    | { name: 'codec-server'; port: number; host: string; corsOrigins: string[] }
    | { name: 'validate'; file: string }
  );

export type ParseResult = { kind: 'command'; command: ParsedCommand } | { kind: 'exit'; exitCode: number };

function parseStreamId(value: string): string {
  const checked = streamConfigSchema.shape.streamId.safeParse(value);
  if (!checked.success) {
    throw new InvalidArgumentError(checked.error.issues[0]?.message ?? 'invalid stream id');
  }
  return value;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('must be a port number');
  return port;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('must be a number of seconds > 0');
  }
  return seconds;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const DEFAULT_STATUS_TIMEOUT_SECONDS = 10;
const DEFAULT_LIST_TIMEOUT_SECONDS = 5;

/** Builds the commander program; `onCommand` receives the parsed command of whichever action ran. */
export function buildProgram(
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  onCommand: (c: ParsedCommand) => void,
): Command {
  const program = new Command('vstream-relay')
    .description('Vitess VStream → PostgreSQL change data capture; one Temporal workflow per stream.')
    .version(packageVersion(), '-V, --version')
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--connect-timeout <seconds>', 'how long to try reaching Temporal (default 10)', parseSeconds)
    .addHelpText(
      'after',
      '\nTLS and API key come from TEMPORAL_TLS_CA_FILE, TEMPORAL_TLS_CERT_FILE, TEMPORAL_TLS_KEY_FILE,\n' +
        'TEMPORAL_TLS_SERVER_NAME and TEMPORAL_API_KEY, as for the worker.\n' +
        'Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. DEBUG=1 prints stack traces.',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const temporal = (command: Command): TemporalFlags => {
    const opts = command.optsWithGlobals<{
      address?: string;
      namespace?: string;
      taskQueue?: string;
      connectTimeout?: number;
    }>();
    const { address, namespace, taskQueue, connectTimeout } = opts;
    return {
      address,
      namespace,
      taskQueue,
      connectTimeoutMs: connectTimeout === undefined ? undefined : connectTimeout * 1000,
    };
  };
  const taskQueueOption = (): Option =>
    new Option('--task-queue <name>', 'task queue (env TEMPORAL_TASK_QUEUE, default vstream-relay)');
  const jsonOption = (): Option => new Option('--json', 'machine-readable output').default(false);

  program
    .command('start')
    .description('validate a stream config (JSON or YAML) and start its workflow')
    .argument('<config>', 'stream config file: .json, .yaml or .yml')
    .addOption(taskQueueOption())
    .addOption(jsonOption())
    .action((file: string, opts: { json: boolean }, command: Command) =>
      onCommand({ name: 'start', file, json: opts.json, temporal: temporal(command) }),
    );

  program
    .command('pause')
    .description('pause a stream; by default waits until it has stopped and prints its final position')
    .argument('<streamId>', 'the stream', parseStreamId)
    .option('--reason <text>', 'why (shown by status)')
    .option('--no-wait', 'only send the pause signal; do not wait for the stream to stop')
    .addOption(jsonOption())
    .action((streamId: string, opts: { reason?: string; wait: boolean; json: boolean }, command: Command) =>
      onCommand({ name: 'pause', streamId, ...opts, temporal: temporal(command) }),
    );

  program
    .command('resume')
    .description('resume a paused stream')
    .argument('<streamId>', 'the stream', parseStreamId)
    .option(
      '--resnapshot',
      'start over from a fresh copy: empty the mirror tables and copy them again (after purged binlogs or a ' +
        'restored target database); the changelog keeps its history',
      false,
    )
    .addOption(jsonOption())
    .action((streamId: string, opts: { json: boolean; resnapshot: boolean }, command: Command) =>
      onCommand({
        name: 'resume',
        streamId,
        resnapshot: opts.resnapshot,
        json: opts.json,
        temporal: temporal(command),
      }),
    );

  program
    .command('resync')
    .description(
      'copy one table again while the others keep streaming; its mirror is replaced atomically once the copy ' +
        'has caught up',
    )
    .argument('<streamId>', 'the stream', parseStreamId)
    .argument('<table>', 'keyspace.table (or the bare table name when the stream has one keyspace)')
    .addOption(jsonOption())
    .action((streamId: string, table: string, opts: { json: boolean }, command: Command) =>
      onCommand({ name: 'resync', streamId, table, json: opts.json, temporal: temporal(command) }),
    );

  program
    .command('stop')
    .description('stop a stream after it commits its current batch (its workflow completes)')
    .argument('<streamId>', 'the stream', parseStreamId)
    .option('--wait', 'wait until the workflow has completed and print the final position', false)
    .addOption(jsonOption())
    .action((streamId: string, opts: { wait: boolean; json: boolean }, command: Command) =>
      onCommand({ name: 'stop', streamId, wait: opts.wait, json: opts.json, temporal: temporal(command) }),
    );

  program
    .command('status')
    .description("show a stream's state, position per shard, lag, rows applied, copy progress and last error")
    .argument('<streamId>', 'the stream', parseStreamId)
    .addOption(jsonOption())
    .option(
      '--timeout <seconds>',
      'how long to wait for a worker to answer',
      parseSeconds,
      DEFAULT_STATUS_TIMEOUT_SECONDS,
    )
    .action((streamId: string, opts: { json: boolean; timeout: number }, command: Command) =>
      onCommand({
        name: 'status',
        streamId,
        json: opts.json,
        timeoutMs: opts.timeout * 1000,
        temporal: temporal(command),
      }),
    );

  program
    .command('list')
    .description('list running streams with their status')
    .option('--all', 'include stopped, failed and terminated runs', false)
    .addOption(jsonOption())
    .option(
      '--timeout <seconds>',
      'how long each status query may take',
      parseSeconds,
      DEFAULT_LIST_TIMEOUT_SECONDS,
    )
    .action((opts: { all: boolean; json: boolean; timeout: number }, command: Command) =>
      onCommand({
        name: 'list',
        all: opts.all,
        json: opts.json,
        timeoutMs: opts.timeout * 1000,
        temporal: temporal(command),
      }),
    );

  program
    .command('codec-server')
    .description(
      'serve /decode and /encode for the Temporal Web UI (or `temporal … --codec-endpoint`) with the payload key ' +
        'of VSTREAM_RELAY_PAYLOAD_KEY, so encrypted histories stay readable for operators; with ' +
        'VSTREAM_RELAY_CODEC_TOKEN set, requests need that bearer token',
    )
    .option('--port <port>', 'port to listen on', parsePort, 8888)
    .option(
      '--host <host>',
      'address to listen on (decrypted payloads go to whoever reaches it)',
      '127.0.0.1',
    )
    .option(
      '--cors-origin <url>',
      "a browser origin allowed to call it, e.g. the Temporal UI's http://localhost:8233 (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action((opts: { port: number; host: string; corsOrigin: string[] }, command: Command) =>
      onCommand({
        name: 'codec-server',
        port: opts.port,
        host: opts.host,
        corsOrigins: opts.corsOrigin,
        temporal: temporal(command),
      }),
    );

  program
    .command('worker')
    .description('run a worker (configured by the TEMPORAL_* and worker environment variables)')
    .addOption(taskQueueOption())
    .action((_opts: unknown, command: Command) => onCommand({ name: 'worker', temporal: temporal(command) }));

  program
    .command('validate')
    .description('validate a stream config and print it with every default filled in')
    .argument('<config>', 'stream config file: .json, .yaml or .yml')
    .action((file: string, _opts: unknown, command: Command) =>
      onCommand({ name: 'validate', file, temporal: temporal(command) }),
    );

  return program;
}

/**
 * Parses argv (without the node and script entries). Help and version print and exit 0; every parse error has
 * already been printed by commander and exits 2.
 */
export async function parseCommandLine(
  argv: readonly string[],
  io: Pick<CliIo, 'stdout' | 'stderr'>,
): Promise<ParseResult> {
  let parsed: ParsedCommand | undefined;
  const program = buildProgram(io, (command) => (parsed = command));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { kind: 'exit', exitCode: err.exitCode === 0 ? EXIT_OK : EXIT_USAGE };
  }
  if (parsed === undefined) {
    program.outputHelp({ error: true });
    return { kind: 'exit', exitCode: EXIT_USAGE };
  }
  return { kind: 'command', command: parsed };
}

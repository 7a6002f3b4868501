// `vstream-relay`: parse the command line, run the command, turn failures into a message and an exit code.
import { parseCommandLine, type ParsedCommand } from './cli-args.js';
import { listStreams } from './commands/list.js';
import { pauseStream, resumeStream, resyncTable, stopStream } from './commands/control.js';
import { showStatus } from './commands/status.js';
import { startStream } from './commands/start.js';
import { validateConfigFile } from './commands/validate.js';
import { runCodecServerCommand } from './commands/codec-server.js';
import { runWorkerCommand } from './commands/worker.js';
import { EXIT_OK } from './errors.js';
import { causeChain, explainFailure, type FailureContext } from './explain-error.js';
import type { CliIo } from './io.js';

export type { CliIo } from './io.js';

/** Runs one command; `failure` collects what the command knew, for the error message if it fails. */
export async function executeCommand(
  command: ParsedCommand,
  io: CliIo,
  failure: FailureContext,
): Promise<void> {
  switch (command.name) {
    case 'start':
      return startStream(io, command, failure);
    case 'pause':
      return pauseStream(io, command, failure);
    case 'resume':
      return resumeStream(io, command, failure);
    case 'resync':
      return resyncTable(io, command, failure);
    case 'stop':
      return stopStream(io, command, failure);
    case 'status':
      return showStatus(io, command, failure);
    case 'list':
      return listStreams(io, command, failure);
    case 'codec-server':
      return runCodecServerCommand(io, command);
    case 'worker':
      return runWorkerCommand(io, command.temporal);
    case 'validate':
      return validateConfigFile(io, command.file);
  }
}

function debugDetails(err: unknown): string {
  return causeChain(err)
    .map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e)))
    .join('\ncaused by: ');
}

/**
 * The whole CLI, callable in-process: `argv` without the node and script entries; returns the exit code
 * (0 ok, 1 runtime failure, 2 usage or config error). Never throws and never calls process.exit.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let failure: FailureContext = { action: 'command' };
  try {
    const parsed = await parseCommandLine(argv, io);
    if (parsed.kind === 'exit') return parsed.exitCode;
    failure = { action: parsed.command.name };
    await executeCommand(parsed.command, io, failure);
    return EXIT_OK;
  } catch (err) {
    const { message, exitCode } = explainFailure(err, failure);
    io.stderr.write(`vstream-relay: ${message}\n`);
    if (io.env.DEBUG) io.stderr.write(`${debugDetails(err)}\n`);
    return exitCode;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM-like stop with a deadline, then SIGKILL of the whole process group. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** SIGKILL of the whole process group, at once. */
  kill(): Promise<void>;
}

export interface SpawnServiceOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  cwd?: string;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a long-running server in its own process group with output going to a log file, so that it can be
 * stopped as a unit and its output read when it fails to start.
 */
export function spawnService(command: string, args: string[], options: SpawnServiceOptions): ServiceProcess {
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    cwd: options.cwd,
  });
  fs.closeSync(log);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
  });
  const pid = child.pid;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> => {
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(pid, signal);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      signalGroup(pid, 'SIGKILL');
      await exited;
    }
    // Children of the group leader may linger for a moment after it exits.
    signalGroup(pid, 'SIGKILL');
  };
  const kill = async (): Promise<void> => {
    if (pid === undefined) return;
    signalGroup(pid, 'SIGKILL');
    await exited;
  };
  return { child, exited, stop, kill };
}

/** The last lines of a log file, for error messages. */
export function tailFile(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a detached watchdog that kills the given process groups and removes the given folders as soon as
 * `ownerPid` dies — also when it is killed with SIGKILL and gets no chance to clean up — or exits quietly once
 * all the groups are gone. This is what keeps a crashed test run from leaving servers and temp dirs behind.
 */
export function startReaper(ownerPid: number, groupPids: number[], dirs: string[]): void {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const groups = groupPids.join(' ');
  const script = [
    'alive() { for p in ' + groups + '; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }',
    `while kill -0 ${ownerPid} 2>/dev/null && alive; do sleep 0.5; done`,
    `if ! kill -0 ${ownerPid} 2>/dev/null; then`,
    `  for p in ${groups}; do kill -TERM -"$p" 2>/dev/null; done`,
    '  for i in 1 2 3 4 5 6 7 8 9 10; do alive || break; sleep 0.5; done',
    `  for p in ${groups}; do kill -KILL -"$p" 2>/dev/null; done`,
    `  rm -rf ${dirs.map(quote).join(' ')}`,
    'fi',
  ].join('\n');
  const reaper = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  reaper.unref();
}

/**
 * Polls `probe` until it succeeds; fails early (with the log's tail) if the service exits, or after timeoutMs.
 * `what` names the service in messages, e.g. `postgres` or `temporal dev server at 127.0.0.1:7233`.
 */
export async function waitUntilReady(
  what: string,
  service: ServiceProcess,
  logFile: string,
  probe: () => Promise<void>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | string | undefined;
  void service.exited.then((code) => (exited = code));
  let lastError: unknown;
  for (;;) {
    if (exited !== undefined)
      throw new Error(`${what} exited (${exited}) during start-up:\n${tailFile(logFile)}`);
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} not ready after ${options.timeoutMs / 1000} s (${String(lastError)}):\n${tailFile(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}

import { describe, expect, it } from 'vitest';
import { parseCommandLine, type ParseResult } from '../../../src/client/cli-args.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
    },
  };
}

async function parse(...argv: string[]): Promise<ParseResult> {
  return parseCommandLine(argv, capture().io);
}

const noFlags = { address: undefined, namespace: undefined, taskQueue: undefined };

describe('parseCommandLine', () => {
  it('start <config> with --task-queue and the global flags before or after the command', async () => {
    const argv = ['--address', 'tmp:7233', 'start', 'orders.yaml', '--task-queue', 'q', '--namespace', 'ns'];
    expect(await parse(...argv, '--connect-timeout', '3')).toEqual({
      kind: 'command',
      command: {
        name: 'start',
        file: 'orders.yaml',
        json: false,
        temporal: { address: 'tmp:7233', namespace: 'ns', taskQueue: 'q', connectTimeoutMs: 3000 },
      },
    });
  });

  it('pause waits by default; --no-wait and --reason', async () => {
    expect(await parse('pause', 'orders')).toEqual({
      kind: 'command',
      command: { name: 'pause', streamId: 'orders', wait: true, json: false, temporal: noFlags },
    });
    expect(await parse('pause', '--reason', 'schema change', '--no-wait', 'orders', '--json')).toEqual({
      kind: 'command',
      command: {
        name: 'pause',
        streamId: 'orders',
        reason: 'schema change',
        wait: false,
        json: true,
        temporal: noFlags,
      },
    });
  });

  it('resume, and stop which does not wait unless asked', async () => {
    expect(await parse('resume', 'orders')).toMatchObject({
      command: { name: 'resume', streamId: 'orders', resnapshot: false },
    });
    expect(await parse('resume', '--resnapshot', 'orders')).toMatchObject({
      command: { name: 'resume', streamId: 'orders', resnapshot: true },
    });
    expect(await parse('resync', 'orders', 'commerce.customer')).toMatchObject({
      command: { name: 'resync', streamId: 'orders', table: 'commerce.customer' },
    });
    expect(await parse('resync', 'orders')).toEqual({ kind: 'exit', exitCode: 2 });
    expect(await parse('stop', 'orders')).toMatchObject({ command: { name: 'stop', wait: false } });
    expect(await parse('stop', '--wait', 'orders')).toMatchObject({ command: { name: 'stop', wait: true } });
  });

  it('status and list take --json and a query timeout in seconds', async () => {
    expect(await parse('status', 'orders')).toMatchObject({
      command: { name: 'status', streamId: 'orders', json: false, timeoutMs: 10_000 },
    });
    expect(await parse('status', 'orders', '--json', '--timeout', '2.5')).toMatchObject({
      command: { json: true, timeoutMs: 2_500 },
    });
    expect(await parse('list')).toMatchObject({
      command: { name: 'list', all: false, json: false, timeoutMs: 5_000 },
    });
    expect(await parse('list', '--all', '--json')).toMatchObject({ command: { all: true, json: true } });
  });

  it('worker and validate', async () => {
    expect(await parse('worker', '--task-queue', 'q2')).toEqual({
      kind: 'command',
      command: { name: 'worker', temporal: { ...noFlags, taskQueue: 'q2' } },
    });
    expect(await parse('validate', 'x.json')).toMatchObject({
      command: { name: 'validate', file: 'x.json' },
    });
  });

  it('usage errors exit 2 with commander message on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['status'], /missing required argument 'streamId'/],
      [
        ['status', 'not a stream id'],
        /value 'not a stream id' is invalid for argument 'streamId'\. must be 1-63 characters/,
      ],
      [['status', 'orders', '--timeout', '0'], /must be a number of seconds > 0/],
      [['pause', 'orders', '--bogus'], /unknown option '--bogus'/],
      [['start', 'a.yaml', 'b.yaml'], /too many arguments/],
      [['launch'], /unknown command 'launch'/],
      [['status', 'orders', '--task-queue', 'q'], /unknown option '--task-queue'/],
    ];
    for (const [argv, expected] of cases) {
      const { io, out } = capture();
      expect(await parseCommandLine(argv, io), argv.join(' ')).toEqual({ kind: 'exit', exitCode: 2 });
      expect(out.stderr, argv.join(' ')).toMatch(expected);
      expect(out.stderr).toContain('(add --help for usage)');
    }
  });

  it('no command prints the help to stderr and exits 2', async () => {
    const { io, out } = capture();
    expect(await parseCommandLine([], io)).toEqual({ kind: 'exit', exitCode: 2 });
    expect(out.stderr).toContain('Usage: vstream-relay [options] [command]');
  });

  it('--help and --version print to stdout and exit 0', async () => {
    for (const argv of [['--help'], ['help', 'status'], ['status', '--help'], ['--version']]) {
      const { io, out } = capture();
      expect(await parseCommandLine(argv, io), argv.join(' ')).toEqual({ kind: 'exit', exitCode: 0 });
      expect(out.stdout).not.toBe('');
    }
  });
});

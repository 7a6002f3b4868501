// The CLI reads the same payload key as the worker (VSTREAM_RELAY_PAYLOAD_KEY[_PREVIOUS]); a bad key is a usage
// error naming the variable, reported before anything connects.
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { runCli } from '../../../src/client/cli.js';
import { clientSettings } from '../../../src/client/settings.js';

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  // An address nothing listens on: a command that got as far as connecting would fail differently (exit 1).
  const code = await runCli([...argv, '--address', '127.0.0.1:1'], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
  });
  return { code, stdout, stderr };
}

test('client settings keep the payload keys, and nothing else that is not TEMPORAL_*', () => {
  const key = randomBytes(32).toString('base64');
  const settings = clientSettings(
    { VSTREAM_RELAY_PAYLOAD_KEY: key, VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS: key, METRICS_PORT: 'not a port' },
    {},
  );
  expect(settings.VSTREAM_RELAY_PAYLOAD_KEY).toBe(key);
  expect(settings.VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS).toBe(key);
});

test('a malformed key is a usage error (exit 2) naming the variable, before connecting', async () => {
  const run = await cli(
    { VSTREAM_RELAY_PAYLOAD_KEY: randomBytes(16).toString('base64') },
    'status',
    'orders',
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    /VSTREAM_RELAY_PAYLOAD_KEY: the key must be 32 bytes \(AES-256\), this one has 16/,
  );
  expect(run.stderr).not.toMatch(/cannot reach Temporal/);
});

test('with a good key the command goes on to connect (and fails there, exit 1)', async () => {
  const run = await cli(
    { VSTREAM_RELAY_PAYLOAD_KEY: randomBytes(32).toString('base64') },
    'status',
    'orders',
    '--timeout',
    '1',
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/127\.0\.0\.1:1/);
});

// runCli end to end for the paths that need no Temporal server (those are in the integration tests).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../../src/client/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-client-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

fs.writeFileSync(
  path.join(dir, 'orders.yaml'),
  'streamId: orders\nsource:\n  vtgate: { address: "vtgate:15991" }\n  keyspaces: [{ name: commerce }]\n' +
    'sink:\n  postgres: { url: "env:PG_URL" }\n',
);
fs.writeFileSync(
  path.join(dir, 'inline-secret.json'),
  JSON.stringify({
    streamId: 'orders',
    source: { vtgate: { address: 'vtgate:15991' }, keyspaces: [{ name: 'commerce' }] },
    sink: { postgres: { url: 'postgres://app:hunter2@db/app' } },
  }),
);

async function run(argv: string[], env: CliIo['env'] = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

// Nothing listens there: a command that tried to connect would fail with exit code 1, not 2.
const unreachable = { TEMPORAL_ADDRESS: '127.0.0.1:9' };

describe('runCli', () => {
  it('validate prints the config with defaults filled in', async () => {
    const { code, stdout, stderr } = await run(['validate', 'orders.yaml']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const config = JSON.parse(stdout);
    expect(config).toMatchObject({
      streamId: 'orders',
      snapshot: { mode: 'initial' },
      sink: { mode: 'mirror' },
    });
  });

  it('start with an invalid config prints every problem, exits 2 and never connects', async () => {
    const { code, stdout, stderr } = await run(['start', 'inline-secret.json'], unreachable);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'vstream-relay: inline-secret.json: invalid stream config\n' +
        '  sink.postgres.url: must be a secret reference, `env:NAME` or `file:/absolute/path` ' +
        '(secrets never go into workflow input)\n',
    );
  });

  it('a missing config file is a usage error', async () => {
    expect(await run(['start', 'nope.yaml'], unreachable)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'vstream-relay: nope.yaml: cannot read the config file: no such file\n',
    });
  });

  it('a bad environment is a usage error naming the variable', async () => {
    const { code, stderr } = await run(['status', 'orders'], { TEMPORAL_TLS_KEY_FILE: '/k.pem' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together/);
  });

  it('an unreachable server is a runtime failure (exit 1), without a stack trace unless DEBUG', async () => {
    const plain = await run(['--connect-timeout', '0.5', 'status', 'orders'], unreachable);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^vstream-relay: cannot reach Temporal at 127\.0\.0\.1:9: .+\n$/);
    const debug = await run(['status', 'orders', '--connect-timeout', '0.5'], { ...unreachable, DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['pause'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});

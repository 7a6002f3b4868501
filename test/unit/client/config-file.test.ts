import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  loadConfigFile,
  parseConfigText,
  validateConfig,
} from '../../../src/client/config-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-client-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const minimal = {
  streamId: 'orders',
  source: { vtgate: { address: 'vtgate.internal:15991' }, keyspaces: [{ name: 'commerce' }] },
  sink: { postgres: { url: 'env:VSTREAM_RELAY_PG_URL' } },
};

const minimalYaml = `# the orders stream
streamId: orders
source:
  vtgate:
    address: vtgate.internal:15991
  keyspaces:
    - name: commerce
sink:
  postgres:
    url: env:VSTREAM_RELAY_PG_URL
`;

/** The lines a ConfigFileError prints, or a failure if `run` does not throw one. */
function problemsOf(run: () => unknown): { headline: string; problems: string[]; exitCode: number } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    const e = err as ConfigFileError;
    return { headline: e.headline, problems: e.problems, exitCode: e.exitCode };
  }
  throw new Error('expected a ConfigFileError');
}

describe('loadConfigFile', () => {
  it('reads JSON: raw is the config as written, config has the defaults filled in', async () => {
    const file = write('orders.json', JSON.stringify(minimal, null, 2));
    const loaded = await loadConfigFile(file);
    expect(loaded.raw).toEqual(minimal);
    expect(loaded.config.snapshot.mode).toBe('initial');
    expect(loaded.config.sink.mode).toBe('mirror');
    expect(loaded.config.source.vtgate.keepaliveSeconds).toBe(30);
  });

  it('reads YAML (.yaml and .yml), relative to cwd', async () => {
    write('orders.yaml', minimalYaml);
    write('orders.yml', minimalYaml);
    expect((await loadConfigFile('orders.yaml', dir)).raw).toEqual(minimal);
    expect((await loadConfigFile('orders.yml', dir)).raw).toEqual(minimal);
  });

  it('names a missing file, with the usage exit code', async () => {
    const err = await loadConfigFile('missing.yaml', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as ConfigFileError).message).toBe('missing.yaml: cannot read the config file: no such file');
    expect((err as ConfigFileError).exitCode).toBe(2);
  });
});

describe('parseConfigText: syntax errors carry line and column', () => {
  it('JSON with a bare word', () => {
    const text = '{\n  "streamId": "orders",\n  "source": nope\n}\n';
    expect(problemsOf(() => parseConfigText(text, 'orders.json'))).toEqual({
      headline: 'orders.json: not valid JSON',
      problems: ["orders.json:3:13: Unexpected token 'o'"],
      exitCode: 2,
    });
  });

  it('JSON with a trailing comma (located from the position in the message)', () => {
    const text = '{\n  "streamId": "orders",\n}\n';
    expect(problemsOf(() => parseConfigText(text, 'orders.json')).problems).toEqual([
      'orders.json:3:1: Expected double-quoted property name',
    ]);
  });

  it('JSON cut short', () => {
    const text = '{\n  "streamId": "orders",\n';
    expect(problemsOf(() => parseConfigText(text, 'o.json')).problems[0]).toMatch(/^o\.json:3:1: /);
  });

  it('JSON error messages never quote the file (it may hold a secret)', () => {
    const text = '{"password": hunter2}'; // Node's own message would quote it
    const { problems } = problemsOf(() => parseConfigText(text, 'o.json'));
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('JSON with a duplicate key is refused (JSON.parse would silently keep the last)', () => {
    const text = '{\n  "streamId": "a",\n  "streamId": "b"\n}\n';
    expect(problemsOf(() => parseConfigText(text, 'o.json')).problems).toEqual(['o.json:3:3: duplicate key']);
  });

  it('YAML with an unclosed flow sequence', () => {
    const text = 'streamId: orders\ncells: [a, b\nsink: {}\n';
    const { headline, problems } = problemsOf(() => parseConfigText(text, 'orders.yaml'));
    expect(headline).toBe('orders.yaml: not valid YAML');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orders\.yaml:3:1: /);
    expect(problems[0]).not.toContain('at line');
  });

  it('YAML with bad indentation', () => {
    const text = 'source:\n  vtgate:\n    address: a:1\n   keyspaces: []\n';
    expect(problemsOf(() => parseConfigText(text, 'o.yml')).problems[0]).toMatch(/^o\.yml:4:\d+: /);
  });

  it('YAML with a duplicate key', () => {
    expect(problemsOf(() => parseConfigText('streamId: a\nstreamId: b\n', 'o.yaml')).problems).toEqual([
      'o.yaml:2:1: Map keys must be unique',
    ]);
  });

  it('an empty file', () => {
    expect(problemsOf(() => parseConfigText('  \n', 'o.yaml')).headline).toBe('o.yaml: the file is empty');
  });
});

describe('validateConfig: every problem names its field', () => {
  it('an unknown field is named with its full path', () => {
    const raw = {
      ...minimal,
      source: { ...minimal.source, vtgate: { address: 'a:1', passwrd: 'x' } },
      extra: 1,
    };
    expect(problemsOf(() => validateConfig(raw, 'o.yaml'))).toEqual({
      headline: 'o.yaml: invalid stream config',
      problems: ['source.vtgate.passwrd: unknown field', 'extra: unknown field'],
      exitCode: 2,
    });
  });

  it('a secret written inline is refused, naming the field and without echoing it', () => {
    const raw = { ...minimal, sink: { postgres: { url: 'postgres://app:hunter2@db/app' } } };
    const { problems } = problemsOf(() => validateConfig(raw, 'o.yaml'));
    expect(problems).toEqual([
      'sink.postgres.url: must be a secret reference, `env:NAME` or `file:/absolute/path` (secrets never go into workflow input)',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('an inline vtgate password is refused too', () => {
    const raw = {
      ...minimal,
      source: { ...minimal.source, vtgate: { address: 'a:1', auth: { username: 'u', password: 'p' } } },
    };
    expect(problemsOf(() => validateConfig(raw, 'o.yaml')).problems[0]).toMatch(
      /^source\.vtgate\.auth\.password: /,
    );
  });

  it('lists several problems at once, including cross-field ones', () => {
    const raw = { ...minimal, streamId: 'bad id', startVgtid: '{"shard_gtids":[]}' };
    expect(problemsOf(() => validateConfig(raw, 'o.yaml')).problems).toEqual([
      'streamId: must be 1-63 characters: letters, digits, `_`, `.`, `-`',
    ]);
    const crossField = { ...minimal, startVgtid: '{"shard_gtids":[]}' };
    expect(problemsOf(() => validateConfig(crossField, 'o.yaml')).problems).toEqual([
      'startVgtid: only allowed with snapshot.mode `never`',
    ]);
  });

  it('YAML that is not an object', () => {
    expect(
      problemsOf(() => validateConfig(parseConfigText('- a\n- b\n', 'o.yaml'), 'o.yaml')).problems,
    ).toEqual(['(root): Invalid input: expected object, received array']);
  });
});

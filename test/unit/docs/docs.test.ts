// Keeps the documentation true: every field of the stream config schema is in the configuration reference,
// every stream config shown in the docs validates, and every `vstream-relay` command line shown in them uses a
// command and flags that exist.
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../../src/client/cli.js';
import { parseStreamConfig, streamConfigSchema } from '../../../src/config/stream-config.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => fs.readFileSync(new URL(file, root), 'utf8');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The fenced code blocks of a markdown text, with their language. */
function codeBlocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { def: SchemaDef }>;
  innerType?: { def: SchemaDef };
  element?: { def: SchemaDef };
}

/** Dotted paths of the schema's leaves (`source.keyspaces[].name`); records and scalar arrays are leaves. */
function fieldPaths(def: SchemaDef, path = ''): string[] {
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape!).flatMap(([key, value]) =>
        fieldPaths(value.def, path ? `${path}.${key}` : key),
      );
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
      return fieldPaths(def.innerType!.def, path);
    case 'array':
      return def.element!.def.type === 'object' ? fieldPaths(def.element!.def, `${path}[]`) : [path];
    default:
      return [path];
  }
}

describe('docs/configuration.md', () => {
  const reference = read('docs/configuration.md');
  const documented = new Set(
    [...reference.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]!).filter((f) => !/^[A-Z_]+$/.test(f)),
  );
  const fields = fieldPaths((streamConfigSchema as unknown as { def: SchemaDef }).def);

  test('has a row for every field of the stream config schema, and none for a field it lacks', () => {
    expect(fields.length).toBeGreaterThan(40);
    expect(fields.filter((f) => !documented.has(f))).toEqual([]);
    expect([...documented].filter((f) => !fields.includes(f))).toEqual([]);
  });
});

describe('the worker environment in docs/configuration.md', () => {
  test('names every variable the worker reads', () => {
    const variables = [...read('src/worker/env.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+): z\./gm)].map(
      (m) => m[1]!,
    );
    expect(variables).toContain('TEMPORAL_ADDRESS');
    const section = read('docs/configuration.md').split('## Worker environment')[1] ?? '';
    expect(variables.filter((v) => !section.includes(`\`${v}\``))).toEqual([]);
  });
});

describe('stream configs shown in the docs', () => {
  const examples = DOCS.flatMap((file) =>
    codeBlocks(read(file))
      .filter((b) => /^(yaml|json)$/.test(b.lang) && /^\s*"?streamId"?:/m.test(b.code))
      .map((b, i) => ({ name: `${file} #${i + 1}`, code: b.code })),
  );

  test('there are some', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  test.for(examples)('$name validates', ({ code }) => {
    expect(() => parseStreamConfig(parse(code))).not.toThrow();
  });
});

describe('vstream-relay command lines shown in the docs', () => {
  const lines = DOCS.flatMap((file) =>
    codeBlocks(read(file))
      .filter((b) => /^(sh|bash)?$/.test(b.lang))
      .flatMap((b) => b.code.split('\n'))
      .flatMap((line) => [
        ...line.matchAll(/vstream-relay(?:\.js)? ([a-z][a-z-]*)((?: +(?:"[^"]*"|[^\s#;|&)]+))*)/g),
      ])
      .map((m) => ({
        file,
        command: m[1]!,
        flags: [...m[2]!.matchAll(/(?:^|[\s[])(--[a-z-]+)/g)].map((f) => f[1]!),
      })),
  );

  async function help(args: string[]): Promise<string> {
    let out = '';
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (out += t) },
      env: {},
    };
    expect(await runCli([...args, '--help'], io)).toBe(0);
    return out;
  }

  test('there are some', () => {
    expect(lines.length).toBeGreaterThanOrEqual(8);
  });

  test('name real commands, with flags that the command (or the CLI) takes', async () => {
    const global = await help([]);
    const problems: string[] = [];
    for (const { file, command, flags } of lines) {
      if (!new RegExp(`^  ${command} `, 'm').test(global)) {
        problems.push(`${file}: unknown command ${command}`);
        continue;
      }
      const own = await help([command]);
      for (const flag of flags) {
        if (!own.includes(flag) && !global.includes(flag))
          problems.push(`${file}: ${command} has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

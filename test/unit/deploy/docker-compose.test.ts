// The compose stack cannot run here (no Docker engine, no compose plugin), so its file is checked twice: by
// compose-go — the loader of Docker Compose v2, through tools/compose-config — exactly as `docker compose config`
// would (Compose Specification schema, interpolation, normalisation, references between services, volumes and
// networks), and by our own checks for what the loader does not see: a build context without a Dockerfile, files
// the Dockerfile copies that do not exist, and an example stream config that the worker could not resolve.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseStreamConfig } from '../../../src/config/stream-config.js';
import { composeConfig, ensureComposeConfig } from '../../../src/devtools/compose-config.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => fs.readFileSync(new URL(file, root), 'utf8');

interface Service {
  image?: string;
  build?: string;
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[]; interval?: string; retries?: number };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
const compose = parse(read('docker-compose.yml')) as Compose;

/** The resolved project that compose-config prints (the parts the tests read). */
interface ResolvedProject {
  name: string;
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string } }>;
  volumes: Record<string, { name: string }>;
}

describe('docker-compose.yml, loaded by compose-go (docker compose config)', () => {
  // The first run on a machine builds the validator (setup normally has: ~10 s, plus module downloads).
  beforeAll(() => void ensureComposeConfig(), 300_000);

  test('is a valid, consistent Compose project', () => {
    const result = composeConfig(fileURLToPath(new URL('docker-compose.yml', root)));
    expect(result.error).toBeUndefined();
    const project = result.project as ResolvedProject;
    expect(project.name).toBe('vstream-relay');
    expect(Object.keys(project.services).sort()).toEqual(Object.keys(compose.services).sort());
    expect(project.services.worker?.build).toMatchObject({
      context: fileURLToPath(root).replace(/\/$/, ''),
      dockerfile: 'Dockerfile',
    });
    expect(project.volumes['sink-db']?.name).toBe('vstream-relay_sink-db');
  });

  // The validator must be able to say no: broken copies of our file are refused, each for its own reason.
  const brokenCopies: { what: string; edit: (c: Compose) => void; error: RegExp }[] = [
    {
      what: 'an unknown service key',
      edit: (c) => Object.assign(c.services.worker!, { restart_policy: 'always' }),
      error: /restart_policy/,
    },
    {
      what: 'a dependency on a missing service',
      edit: (c) => {
        c.services.worker!.depends_on = ['vtgate'];
      },
      error: /undefined service "vtgate"/,
    },
    {
      what: 'an undeclared named volume',
      edit: (c) => {
        delete c.volumes!['sink-db'];
      },
      error: /undefined volume sink-db/,
    },
    {
      what: 'a malformed port',
      edit: (c) => {
        c.services['sink-db']!.ports = ['5433:postgres'];
      },
      error: /postgres/,
    },
    {
      what: 'a malformed duration',
      edit: (c) => {
        c.services['sink-db']!.healthcheck!.interval = '5 parsecs';
      },
      error: /parsecs/,
    },
  ];
  test.for(brokenCopies)('refuses a copy with $what', ({ edit, error }) => {
    const broken = structuredClone(compose);
    edit(broken);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsr-compose-'));
    try {
      const file = path.join(dir, 'docker-compose.yml');
      fs.writeFileSync(file, stringify(broken));
      const result = composeConfig(file);
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(error);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker-compose.yml, our own checks', () => {
  test('has the production-shaped services, each with an image or a build', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['sink-db', 'temporal', 'temporal-db', 'temporal-ui', 'vitess', 'worker'].sort(),
    );
    for (const [name, service] of Object.entries(compose.services)) {
      expect(Boolean(service.image) !== Boolean(service.build), `${name}: image xor build`).toBe(true);
    }
  });

  test('depends_on names existing services; named volumes are declared; ports are host:container', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const deps = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(compose.volumes).toHaveProperty(source);
        if (source.startsWith('./')) expect(fs.existsSync(new URL(source, root)), volume).toBe(true);
      }
      for (const port of service.ports ?? []) expect(port).toMatch(/^\d+:\d+$/);
    }
  });

  test('the worker image builds from files that exist', () => {
    expect(compose.services.worker?.build).toBe('.');
    const copies = read('Dockerfile')
      .split('\n')
      .filter((line) => line.startsWith('COPY '))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copies.length).toBeGreaterThan(0);
    for (const source of copies) expect(fs.existsSync(new URL(source, root)), source).toBe(true);
  });

  test('the example stream config is valid and its secret reference is set on the worker', () => {
    const config = parseStreamConfig(parse(read('examples/stream.yaml')));
    const ref = config.sink.postgres.url.replace(/^env:/, '');
    expect(compose.services.worker?.environment).toHaveProperty(ref);
    const [host, port] = config.source.vtgate.address.split(':');
    expect(compose.services).toHaveProperty(host!);
    expect(compose.services[host!]!.ports).toContain(`${port}:${port}`);
  });
});

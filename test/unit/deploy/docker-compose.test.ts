// The compose stack cannot run here (no Docker engine), so its file is checked for what would break it: unknown
// services in depends_on, undeclared volumes, a build context without a Dockerfile, files the Dockerfile copies
// that do not exist, and an example stream config that the worker could not resolve.
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseStreamConfig } from '../../../src/config/stream-config.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => fs.readFileSync(new URL(file, root), 'utf8');

interface Service {
  image?: string;
  build?: string;
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
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

// `compose-config` (tools/compose-config): `docker compose config` without Docker — compose-go, the loader of
// Docker Compose v2, validating a Compose file against the Compose Specification schema and checking its
// consistency. No Docker engine or compose plugin exists on our machines, so the build and tests use this.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable, log, toolCacheDir } from './tools.js';

const SOURCE_DIR = fileURLToPath(new URL('../../tools/compose-config/', import.meta.url));
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'];

/** The cached binary's path: keyed by a hash of the tool's sources, so a change of version rebuilds it. */
export function composeConfigPath(): string {
  const hash = crypto.createHash('sha256');
  for (const file of SOURCE_FILES) hash.update(file).update(fs.readFileSync(path.join(SOURCE_DIR, file)));
  return path.join(toolCacheDir(), `compose-config-${hash.digest('hex').slice(0, 12)}`, 'compose-config');
}

/** Returns the `compose-config` binary, building it with the local Go toolchain when not cached (~10 s). */
export function ensureComposeConfig(): string {
  const binary = composeConfigPath();
  if (isExecutable(binary)) return binary;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      `compose-config is not cached at ${binary} and Go is not installed to build it (tools/compose-config). ` +
        'Install Go (>= 1.24).',
    );
  }
  log(`building compose-config (compose-go) with ${go.stdout.trim()}…`);
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  // Build next to the target and rename, so a concurrent or interrupted build never leaves half a binary.
  const staging = `${binary}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  try {
    execFileSync('go', ['build', '-trimpath', '-o', staging, '.'], {
      cwd: SOURCE_DIR,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    });
    fs.renameSync(staging, binary);
  } finally {
    fs.rmSync(staging, { force: true });
  }
  log(`compose-config cached at ${binary}`);
  return binary;
}

export interface ComposeConfigResult {
  ok: boolean;
  /** The resolved project (JSON) when ok. */
  project?: unknown;
  /** The loader's error when not ok. */
  error?: string;
}

/** Loads and validates `file` as `docker compose config` would; `env` is used for interpolation. */
export function composeConfig(file: string, env: Record<string, string> = {}): ComposeConfigResult {
  const args = [...Object.entries(env).flatMap(([k, v]) => ['-env', `${k}=${v}`]), file];
  const run = spawnSync(ensureComposeConfig(), args, {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir() },
  });
  if (run.error) throw run.error;
  if (run.status === 0) return { ok: true, project: JSON.parse(run.stdout) };
  return { ok: false, error: run.stderr.trim() || `compose-config exited with ${run.status}` };
}

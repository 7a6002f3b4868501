import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Temporal CLI version this project is tested with; the dev server and `temporal workflow …` commands. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** Tools we build or download live outside the clone so that fresh clones on the same machine reuse them. */
export function toolCacheDir(): string {
  return process.env.VSTREAM_RELAY_CACHE ?? path.join(os.homedir(), '.cache', 'vstream-relay');
}

export function log(message: string): void {
  process.stderr.write(`[setup] ${message}\n`);
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Returns the path of a Temporal CLI binary: `$TEMPORAL_CLI` if set, else the cached build, else builds it
 * with the local Go toolchain through the Go module proxy (a few minutes the first time).
 */
export function ensureTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const dir = path.join(toolCacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`);
  const binary = path.join(dir, 'temporal');
  if (isExecutable(binary)) return binary;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      `The Temporal CLI ${TEMPORAL_CLI_VERSION} is not cached at ${binary} and Go is not installed to build it. ` +
        `Install Go (>= 1.25), or set TEMPORAL_CLI to an existing temporal ${TEMPORAL_CLI_VERSION} binary.`,
    );
  }
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go.stdout.trim()} (first run only)…`);
  // Build into a private folder and rename, so a concurrent or interrupted build never leaves half a binary.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-build-'));
  try {
    execFileSync('go', ['install', TEMPORAL_CLI_MODULE], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: staging, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    });
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(path.join(staging, 'temporal'), binary);
  } catch (err) {
    // rename across file systems fails with EXDEV: fall back to a copy then rename inside the cache folder.
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') {
      const tmp = `${binary}.${process.pid}`;
      fs.copyFileSync(path.join(staging, 'temporal'), tmp);
      fs.chmodSync(tmp, 0o755);
      fs.renameSync(tmp, binary);
    } else {
      throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal CLI cached at ${binary}`);
  return binary;
}

function serverBinDir(candidate: string): string | undefined {
  return isExecutable(path.join(candidate, 'postgres')) && isExecutable(path.join(candidate, 'initdb'))
    ? candidate
    : undefined;
}

function findPostgresBinDir(): string | undefined {
  if (process.env.PG_BINDIR) return serverBinDir(process.env.PG_BINDIR);
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromPgConfig = pgConfig.status === 0 ? serverBinDir(pgConfig.stdout.trim()) : undefined;
  if (fromPgConfig) return fromPgConfig;
  // Debian installs server binaries per major version outside PATH; take the newest.
  const debianRoot = '/usr/lib/postgresql';
  if (!fs.existsSync(debianRoot)) return undefined;
  const versions = fs
    .readdirSync(debianRoot)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = serverBinDir(path.join(debianRoot, version, 'bin'));
    if (dir) return dir;
  }
  return undefined;
}

/**
 * Installs Debian packages with apt-get when we run as root; otherwise throws `notRoot` (which should say what
 * to install by hand). Used for the tools the tests and the demo need (PostgreSQL, Chromium, MariaDB).
 */
export function aptInstall(packages: readonly string[], what: string, notRoot: string): void {
  if (process.getuid?.() !== 0) throw new Error(notRoot);
  log(`installing ${what} with apt-get (first run only)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
}

/** Returns the folder holding `postgres` and `initdb`, installing Debian's `postgresql` when run as root. */
export function ensurePostgresBinDir(): string {
  const found = findPostgresBinDir();
  if (found) return found;
  aptInstall(
    ['postgresql'],
    'PostgreSQL server binaries',
    'PostgreSQL server binaries (postgres, initdb) were not found. Install them (Debian/Ubuntu: ' +
      '`sudo apt-get install -y postgresql`) or set PG_BINDIR to the folder that holds them.',
  );
  const installed = findPostgresBinDir();
  if (!installed) throw new Error('apt-get installed postgresql, but its server binaries were not found');
  return installed;
}
